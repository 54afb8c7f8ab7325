import { createWriteStream } from 'node:fs';

export interface HeapAfterGc {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** Before the forced GC: heapUsed, heapTotal and each V8 heap space's size (MB). */
  beforeGc: { heapUsedMb: number; heapTotalMb: number; spacesMb: Record<string, number> };
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/**
 * A client of admit's inspector (admit started with --inspect=127.0.0.1:<port>):
 * forces a full GC (HeapProfiler.collectGarbage) and reads process.memoryUsage()
 * in admit's own process, and takes heap snapshots, with no change to admit.
 */
export async function connectInspector(port: number): Promise<{
  heapAfterGc(): Promise<HeapAfterGc>;
  takeHeapSnapshot(file: string): Promise<void>;
  close(): void;
}> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let onChunk: ((chunk: string) => void) | undefined;
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
      method?: string;
      params?: { chunk: string };
    };
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') onChunk?.(message.params!.chunk);
    if (message.id === undefined) return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiting?.reject(new Error(message.error.message));
    else waiting?.resolve(message.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
  return {
    async heapAfterGc() {
      const beforeExpression = "JSON.stringify({ usage: process.memoryUsage(), spaces: process.getBuiltinModule('node:v8').getHeapSpaceStatistics() })";
      const before = JSON.parse(
        ((await send('Runtime.evaluate', { expression: beforeExpression, returnByValue: true })) as { result: { value: string } }).result.value,
      ) as { usage: NodeJS.MemoryUsage; spaces: { space_name: string; space_size: number }[] };
      const beforeGc = {
        heapUsedMb: mb(before.usage.heapUsed),
        heapTotalMb: mb(before.usage.heapTotal),
        spacesMb: Object.fromEntries(
          before.spaces.filter((space) => space.space_size > 0).map((space) => [space.space_name.replace(/_space$/, ''), mb(space.space_size)]),
        ),
      };
      // Twice: the first collection can leave objects whose finalizers free more.
      await send('HeapProfiler.collectGarbage');
      await send('HeapProfiler.collectGarbage');
      const result = (await send('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as {
        result: { value: string };
      };
      const usage = JSON.parse(result.result.value) as NodeJS.MemoryUsage;
      return {
        rssMb: mb(usage.rss),
        heapUsedMb: mb(usage.heapUsed),
        heapTotalMb: mb(usage.heapTotal),
        externalMb: mb(usage.external),
        arrayBuffersMb: mb(usage.arrayBuffers),
        beforeGc,
      };
    },
    async takeHeapSnapshot(file) {
      const out = createWriteStream(file);
      onChunk = (chunk) => out.write(chunk);
      await send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      onChunk = undefined;
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    },
    close() {
      socket.close();
    },
  };
}
