import { createServer } from 'node:http';
import { getHeapSnapshot } from 'node:v8';
import pino from 'pino';
import { startRedis } from '../test/support/redis-server.ts';
import { configSchema, type Config } from '../src/config/schema.ts';
import { composeAdmit } from '../src/compose.ts';
import { admitConfig } from './harness/admit-config.ts';
import { seedAdmitStore } from './harness/seed.ts';
import { BENCH_SECRET } from './harness/servers.ts';
import { createHttpClient, inParallel } from './load/http-flow.ts';
import { admitLoginPage, signInSteps } from './load/sign-in-steps.ts';

async function counts(): Promise<Map<string, [number, number]>> {
  (globalThis as any).gc(); (globalThis as any).gc();
  const stream = getHeapSnapshot();
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const snap = JSON.parse(Buffer.concat(chunks).toString());
  const f = snap.snapshot.meta.node_fields; const n = f.length; const types = snap.snapshot.meta.node_types[0];
  const ti = f.indexOf('type'), ni = f.indexOf('name'), si = f.indexOf('self_size');
  const m = new Map<string, [number, number]>();
  for (let i = 0; i < snap.nodes.length; i += n) {
    const key = `${types[snap.nodes[i + ti]]}:${String(snap.strings[snap.nodes[i + ni]]).slice(0, 60)}`;
    const e = m.get(key) ?? [0, 0]; e[0]++; e[1] += snap.nodes[i + si]; m.set(key, e);
  }
  if (process.env.DUMP) {
    let shown = 0;
    const ei = snap.snapshot.meta.edge_fields.length; const ec = f.indexOf('edge_count');
    for (let i = 0; i < snap.nodes.length && shown < 8; i += n) {
      const t = types[snap.nodes[i + ti]];
      if (t === 'concatenated string' || (t === 'string' && i % 997 === 0)) { shown++; console.log(t, JSON.stringify(String(snap.strings[snap.nodes[i + ni]]).slice(0, 200))); }
    }
    void ei; void ec;
  }
  return m;
}
const redis = await startRedis();
const seeded = await seedAdmitStore({ storeUrl: redis.url, keyPrefix: 'h:', masterSecret: BENCH_SECRET, users: 4 });
const server = createServer();
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as { port: number }).port;
const parsed = configSchema.parse({ ...admitConfig({ port, keyPrefix: 'h:', logLevel: 'silent' }), secret: BENCH_SECRET });
const config = { ...parsed, store: { ...parsed.store, url: redis.url }, server: { ...parsed.server, issuer: `http://127.0.0.1:${port}` } } as Config;
const admit = await composeAdmit(config, pino({ level: 'silent' }));
server.on('request', admit.app.callback());
let client = createHttpClient(`http://127.0.0.1:${port}`, 16);
let i = 0;
const signIn = async () => { const o = await client.runFlow(signInSteps(admitLoginPage, () => seeded.users.cheap[i++ % 4]!)); if (!o.ok) throw new Error(o.detail); };
await inParallel(300, 8, signIn);
const a = await counts();
client.close(); client = createHttpClient(`http://127.0.0.1:${port}`, 16);
const N = Number(process.argv[2] ?? 2000);
await inParallel(N, 8, signIn);
client.close(); client = createHttpClient(`http://127.0.0.1:${port}`, 16);
const b = await counts();
await inParallel(N, 8, signIn);
client.close(); client = createHttpClient(`http://127.0.0.1:${port}`, 16);
const c = await counts();
const diff = [...c].map(([k, [cc, s]]) => [k, cc - (b.get(k)?.[0] ?? 0), s - (b.get(k)?.[1] ?? 0), (b.get(k)?.[0] ?? 0) - (a.get(k)?.[0] ?? 0)] as const).filter(([, dc]) => dc > N / 10).sort((x, y) => y[2] - x[2]);
for (const [k, dc, ds, prev] of diff.slice(0, 25)) console.log(String(dc).padStart(7), String(ds).padStart(9), String(prev).padStart(7), k);
console.log('heap', process.memoryUsage().heapUsed);
client.close(); server.close(); await admit.close(); await redis.stop(); process.exit(0);
