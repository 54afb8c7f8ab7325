/**
 * The load generator, run by the harness as its own process (so its CPU is
 * not the servers'): node bench/load/generator.ts, driven over IPC (messages.ts).
 */

import { runClosedModel } from './closed-model.ts';
import { createHttpClient, type HttpClient } from './http-flow.ts';
import type { FromGenerator, RunSpec, ToGenerator } from './messages.ts';
import { runOpenModel } from './open-model.ts';
import { type LastingState, POOLED, prepareOperation, type SignInUsers } from './operations.ts';
import type { Step } from './script.ts';

const send = (message: FromGenerator) => process.send?.(message);

/** Pool items a run needs: one per request, plus slack for autocannon's per-connection look-ahead. */
function poolSize(spec: RunSpec): number {
  if (!POOLED.has(spec.op)) return 0;
  if (spec.mode === 'open') return Math.ceil(spec.rate * spec.seconds) + 16;
  return (spec.amount ?? 0) + spec.connections * 2;
}

function createGenerator() {
  const clients = new Map<string, HttpClient>();
  const clientFor = (origin: string) => clients.get(origin) ?? clients.set(origin, createHttpClient(origin)).get(origin)!;
  let users: SignInUsers = { argon2: [], totp: [], ldap: [], cheap: [] };
  let prepared: { id: number; spec: RunSpec; steps: Step[] } | undefined;
  const lasting: LastingState = { totpPickers: {} };

  async function prepare(id: number, spec: RunSpec): Promise<void> {
    const size = poolSize(spec);
    const started = performance.now();
    const steps = await prepareOperation(spec.op, spec.target, users, clientFor(spec.target.origin), size, lasting);
    prepared = { id, spec, steps };
    send({ type: 'prepared', id, poolSize: size, prepareMs: Math.round(performance.now() - started) });
  }

  async function go(id: number): Promise<void> {
    if (!prepared || prepared.id !== id) throw new Error(`run ${id} was not prepared`);
    const { spec, steps } = prepared;
    prepared = undefined;
    if (spec.mode === 'closed') {
      const result = await runClosedModel({ origin: spec.target.origin, steps, connections: spec.connections, seconds: spec.seconds, amount: spec.amount });
      send({ type: 'done', id, result: { mode: 'closed', ...result } });
    } else {
      const result = await runOpenModel({ client: clientFor(spec.target.origin), steps, rate: spec.rate, seconds: spec.seconds });
      send({ type: 'done', id, result: { mode: 'open', ...result } });
    }
  }

  return (message: ToGenerator) => {
    const fail = (id: number) => (error: unknown) => send({ type: 'failed', id, message: (error as Error).stack ?? String(error) });
    switch (message.type) {
      case 'configure':
        users = message.users;
        break;
      case 'prepare':
        prepare(message.id, message.spec).catch(fail(message.id));
        break;
      case 'go':
        go(message.id).catch(fail(message.id));
        break;
      case 'exit':
        for (const client of clients.values()) client.close();
        process.disconnect();
        break;
    }
  };
}

process.on('message', createGenerator());
