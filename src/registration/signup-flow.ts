import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { storeKey, type Store } from '../store/port.ts';

const COOKIE = 'admit.signup';
const CODE_SECONDS = 10 * 60;
const FLOW_SECONDS = 60 * 60;
/** After the request is sent, the browser keeps seeing its status page this long. */
const STATUS_SECONDS = 30 * 86_400;
export const MAX_CODE_ATTEMPTS = 5;

/** One person's way through "User Registration", kept server-side; the browser holds a random id. */
export interface SignupFlow {
  siteId: string;
  email: string;
  codeHash: string;
  codeExpiresAt: number;
  verified: boolean;
  requestId?: string;
}

export type CodeCheck = 'ok' | 'wrong_code' | 'code_expired' | 'too_many_attempts';

/**
 * The registration's state: site and email, the emailed code (an HMAC of it,
 * never the code), whether it was proved, and the request it became. The
 * cookie holds a random id; the store holds the record under the id's hash.
 */
export function createSignupFlows({ store, codeKey }: { store: Store; codeKey: string }) {
  const idHash = (id: string) => createHash('sha256').update(id).digest('base64url');
  const flowKey = (id: string) => storeKey('signup-flow', idHash(id));
  const attemptsKey = (id: string) => storeKey('signup-flow', idHash(id), 'attempts');
  const codeHash = (id: string, code: string) => createHmac('sha256', codeKey).update(`${idHash(id)}:${code}`).digest('base64url');
  const cookieOptions = (ctx: Context, maxAge: number) => ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: '/register', maxAge, overwrite: true });

  async function start(ctx: Context, siteId: string, email: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const flow: SignupFlow = { siteId, email, codeHash: codeHash(id, code), codeExpiresAt: Date.now() + CODE_SECONDS * 1000, verified: false };
    await store.set(flowKey(id), JSON.stringify(flow), { ttlSeconds: FLOW_SECONDS });
    ctx.cookies.set(COOKIE, id, cookieOptions(ctx, FLOW_SECONDS * 1000));
    return code;
  }

  async function current(ctx: Context): Promise<{ id: string; flow: SignupFlow } | undefined> {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const raw = await store.get(flowKey(id));
    return raw === undefined ? undefined : { id, flow: JSON.parse(raw) as SignupFlow };
  }

  /** Counts the attempt first (parallel guesses cannot slip under the limit), then compares in constant time. */
  async function checkCode(id: string, flow: SignupFlow, code: string): Promise<CodeCheck> {
    if ((await store.increment(attemptsKey(id), FLOW_SECONDS)) > MAX_CODE_ATTEMPTS) return 'too_many_attempts';
    if (Date.now() > flow.codeExpiresAt) return 'code_expired';
    const expected = Buffer.from(flow.codeHash);
    const given = Buffer.from(codeHash(id, code));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'wrong_code';
    await save(id, { ...flow, verified: true, codeHash: '' });
    return 'ok';
  }

  const save = (id: string, flow: SignupFlow, ttlSeconds = FLOW_SECONDS) => store.set(flowKey(id), JSON.stringify(flow), { ttlSeconds });

  /** The request was sent: keep only what the status page needs, for a month. */
  async function submitted(ctx: Context, id: string, flow: SignupFlow, requestId: string): Promise<void> {
    await save(id, { ...flow, requestId }, STATUS_SECONDS);
    ctx.cookies.set(COOKIE, id, cookieOptions(ctx, STATUS_SECONDS * 1000));
  }

  async function end(ctx: Context, id: string): Promise<void> {
    await store.delete(flowKey(id), attemptsKey(id));
    ctx.cookies.set(COOKIE, '', cookieOptions(ctx, 0));
  }

  return { start, current, checkCode, submitted, end };
}

export type SignupFlows = ReturnType<typeof createSignupFlows>;
