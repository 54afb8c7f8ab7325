import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { clearCookie, setCookie } from '../lib/cookies.ts';
import type { CodeBinding, CodeSend, OneTimeCodes } from '../services/one-time-codes.ts';
import { type Store, storeKey } from '../store/port.ts';

const COOKIE = 'admit.signup';
const FLOW_SECONDS = 60 * 60;
/** After the request is sent, the browser keeps seeing its status page this long. */
const STATUS_SECONDS = 30 * 86_400;

/** One person's way through "User Registration", kept server-side; the browser holds a random id. */
export interface SignupFlow {
  siteId: string;
  email: string;
  verified: boolean;
  requestId?: string;
}

export type CodeCheck = 'ok' | 'wrong_code' | 'code_expired' | 'too_many_attempts';

/**
 * The registration's state: site and email, whether the emailed code proved
 * the address, and the request it became. The cookie holds a random id; the
 * store holds the record under the id's hash. The code is the one-time-code
 * service's, bound to this flow.
 */
export function createSignupFlows({ store, codes }: { store: Store; codes: OneTimeCodes }) {
  const idHash = (id: string) => createHash('sha256').update(id).digest('base64url');
  const flowKey = (id: string) => storeKey('signup-flow', idHash(id));
  const codeOf = (id: string): CodeBinding => ({ purpose: 'registration', flow: idHash(id) });

  /** A new flow, once `sendCode` sent its code; refused (a send limit), nothing is kept. */
  async function start(ctx: Context, siteId: string, email: string, sendCode: (binding: CodeBinding) => Promise<CodeSend>): Promise<CodeSend> {
    const id = randomBytes(32).toString('base64url');
    const sent = await sendCode(codeOf(id));
    if (sent.status !== 'sent') return sent;
    const flow: SignupFlow = { siteId, email, verified: false };
    await store.set(flowKey(id), JSON.stringify(flow), { ttlSeconds: FLOW_SECONDS });
    setCookie(ctx, COOKIE, id, { path: '/register', maxAge: FLOW_SECONDS * 1000 });
    return sent;
  }

  async function current(ctx: Context): Promise<{ id: string; flow: SignupFlow } | undefined> {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const raw = await store.get(flowKey(id));
    return raw === undefined ? undefined : { id, flow: JSON.parse(raw) as SignupFlow };
  }

  /** The emailed code, checked by the one-time-code service for this flow and address. */
  async function checkCode(id: string, flow: SignupFlow, code: string): Promise<CodeCheck> {
    const outcome = await codes.check(codeOf(id), { code, to: flow.email });
    if (outcome.status === 'invalid') return 'wrong_code';
    if (outcome.status === 'expired') return 'code_expired';
    if (outcome.status === 'too_many_attempts') return 'too_many_attempts';
    await save(id, { ...flow, verified: true });
    return 'ok';
  }

  const save = (id: string, flow: SignupFlow, ttlSeconds = FLOW_SECONDS) => store.set(flowKey(id), JSON.stringify(flow), { ttlSeconds });

  /** The request was sent: keep only what the status page needs, for a month. */
  async function submitted(ctx: Context, id: string, flow: SignupFlow, requestId: string): Promise<void> {
    await save(id, { ...flow, requestId }, STATUS_SECONDS);
    setCookie(ctx, COOKIE, id, { path: '/register', maxAge: STATUS_SECONDS * 1000 });
  }

  async function end(ctx: Context, id: string): Promise<void> {
    await Promise.all([store.delete(flowKey(id)), codes.cancel(codeOf(id))]);
    clearCookie(ctx, COOKIE, { path: '/register' });
  }

  return { start, current, checkCode, submitted, end };
}

export type SignupFlows = ReturnType<typeof createSignupFlows>;
