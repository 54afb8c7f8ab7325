import { totpCode } from '../../plugins/mfa-totp/totp.ts';
import { isPeer, peerSteps } from '../peers/steps.ts';
import {
  clientCredentialsStep,
  codeExchangeStep,
  discoveryStep,
  introspectionStep,
  jwksStep,
  type PooledCode,
  refreshStep,
  userinfoStep,
} from './endpoint-steps.ts';
import { type HttpClient, inParallel } from './http-flow.ts';
import { oneTimePool, roundRobinPool } from './pool.ts';
import { type FlowContext, newContext, type Step } from './script.ts';
import {
  admitLoginPage,
  type Credentials,
  devInteractionsLoginPage,
  exchangeStep,
  type LoginPage,
  signInSteps,
  signInToCodeSteps,
  ssoAuthorizeStep,
  totpSecondFactor,
} from './sign-in-steps.ts';

/** The operations the benchmark times, and how each one's requests are prepared. */
export const OPERATIONS = [
  'cc-opaque',
  'cc-jwt',
  'code',
  'refresh',
  'userinfo',
  'introspection',
  'discovery',
  'jwks',
  'signin-argon2',
  'signin-ldap',
  'signin-protocol',
] as const;
export type OperationId = (typeof OPERATIONS)[number];

export const POOLED: ReadonlySet<OperationId> = new Set(['code', 'refresh']);
export const SIGN_INS: ReadonlySet<OperationId> = new Set(['signin-argon2', 'signin-ldap', 'signin-protocol']);

export interface Target {
  kind: 'admit' | 'baseline' | 'lemonldap' | 'glewlwyd';
  origin: string;
}

export interface TotpCredentials extends Credentials {
  /** The enrolled authenticator app's secret (base32). */
  totpSecret: string;
}

/** Who signs in. admit: real directory users; the baseline (devInteractions) accepts any name. */
export interface SignInUsers {
  /** Local directory, argon2id with OWASP parameters, password only. */
  argon2: Credentials[];
  /** Local directory, argon2id, and an authenticator app enrolled: the full sign-in when there are any. */
  totp: TotpCredentials[];
  ldap: Credentials[];
  /** Local directory with a minimal-cost hash: the sign-in with the hash (nearly) taken out. */
  cheap: Credentials[];
  /** The peers' local users (`--peers`, bench/peers/common.ts): the same names and passwords on each peer that has a local store. */
  peerLocal?: Credentials[];
}

/** Codes a session yields: one from its sign-in, the rest by SSO authorize requests. */
const CODES_PER_SESSION = 8;
const BUILD_CONCURRENCY = 16;

/**
 * Picks TOTP users in turn, each with a 30-second step it has not used yet
 * (admit accepts a code once per step and user): the current step or the
 * next (±1 step is accepted), never the previous one, which could run out
 * before the code is posted. With too few users for the rate, a flow gets a
 * wrong code and fails, and the failure is reported.
 */
export function totpPicker(users: TotpCredentials[], now: () => number = Date.now) {
  const lastStep = new Map<string, number>();
  let next = 0;
  return (context: FlowContext): Credentials => {
    const current = Math.floor(now() / 30_000);
    for (let tried = 0; tried < users.length; tried += 1) {
      const user = users[next++ % users.length]!;
      const step = [current, current + 1].find((candidate) => candidate > (lastStep.get(user.username) ?? -1));
      if (step === undefined) continue;
      lastStep.set(user.username, step);
      context.vars.totp = totpCode(user.totpSecret, step * 30_000 + 15_000);
      return user;
    }
    context.vars.totp = '000000';
    return users[next++ % users.length]!;
  };
}

const rotate = (list: Credentials[]) => {
  let next = 0;
  return (_context: FlowContext) => list[next++ % list.length]!;
};

const loginPageOf = (target: Target): LoginPage => (target.kind === 'admit' ? admitLoginPage : devInteractionsLoginPage);

function signInUsers(op: OperationId, target: Target, users: SignInUsers): Credentials[] {
  if (target.kind === 'baseline') return Array.from({ length: 16 }, (_, i) => ({ username: `bench-user-${i}`, password: 'x' }));
  if (op === 'signin-argon2') return users.argon2;
  if (op === 'signin-ldap') return users.ldap;
  return users.cheap;
}

/** Untimed preparation is retried a few times: one stray failure should not end a 10-minute run. */
async function withRetries<T>(what: string, task: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= attempts) throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Authorization codes, built by real sign-ins (untimed) and SSO authorize requests on their sessions. */
async function buildCodes(client: HttpClient, target: Target, users: SignInUsers, count: number): Promise<PooledCode[]> {
  const sessions = Math.ceil(count / CODES_PER_SESSION);
  const credentials = rotate(signInUsers('signin-protocol', target, users));
  const perSession = await inParallel(sessions, BUILD_CONCURRENCY, () =>
    withRetries(`building codes on ${target.kind}`, async () => {
      const context = newContext();
      const codes: PooledCode[] = [];
      for (let i = 0; i < CODES_PER_SESSION; i += 1) {
        const outcome = await client.runFlow(i === 0 ? signInToCodeSteps(loginPageOf(target), credentials) : [ssoAuthorizeStep], context);
        if (!outcome.ok) throw new Error(`${outcome.step}: ${outcome.detail}`);
        codes.push({ code: context.vars.code!, verifier: context.vars.verifier! });
      }
      return codes;
    }),
  );
  return perSession.flat().slice(0, count);
}

/** Exchanges codes for tokens (untimed), for the refresh, userinfo and introspection pools. */
async function buildTokens(client: HttpClient, target: Target, users: SignInUsers, count: number) {
  const codes = await buildCodes(client, target, users, count);
  return inParallel(codes.length, BUILD_CONCURRENCY, async (index) => {
    const context = newContext();
    context.vars.code = codes[index]!.code;
    context.vars.verifier = codes[index]!.verifier;
    const outcome = await client.runFlow([exchangeStep], context);
    // A code is single-use, so a failed exchange is not retried: the run stops with the reason.
    if (!outcome.ok) throw new Error(`building tokens on ${target.kind}: ${outcome.detail}`);
    return { accessToken: context.vars.accessToken!, refreshToken: context.vars.refreshToken };
  });
}

/** What outlives one run in the generator process. */
export interface LastingState {
  totpPickers: Record<string, ReturnType<typeof totpPicker>>;
}

/** Access tokens reused round-robin: userinfo and introspection do not consume them. */
const REUSABLE_TOKENS = 64;

/**
 * The steps of one operation against one server, with its pool filled for
 * `count` requests (pooled operations only; the others ignore it).
 */
export async function prepareOperation(
  op: OperationId,
  target: Target,
  users: SignInUsers,
  client: HttpClient,
  count: number,
  lasting: LastingState,
): Promise<Step[]> {
  // A peer (`--peers`): its own paths and forms, for the operations it was set up for.
  if (isPeer(target.kind)) return peerSteps(op, target, users);
  switch (op) {
    case 'cc-opaque':
      return [clientCredentialsStep('opaque')];
    case 'cc-jwt':
      return [clientCredentialsStep('jwt')];
    case 'code':
      return [codeExchangeStep(oneTimePool(await buildCodes(client, target, users, count)))];
    case 'refresh': {
      const tokens = await buildTokens(client, target, users, count);
      const refreshTokens = tokens.map((t) => t.refreshToken).filter((t): t is string => t !== undefined);
      if (refreshTokens.length < tokens.length) throw new Error(`${target.kind} issued no refresh token at code exchange`);
      return [refreshStep(oneTimePool(refreshTokens))];
    }
    case 'userinfo':
      return [userinfoStep(roundRobinPool((await buildTokens(client, target, users, REUSABLE_TOKENS)).map((t) => t.accessToken)))];
    case 'introspection':
      return [introspectionStep(roundRobinPool((await buildTokens(client, target, users, REUSABLE_TOKENS)).map((t) => t.accessToken)))];
    case 'discovery':
      return [discoveryStep];
    case 'jwks':
      return [jwksStep];
    case 'signin-argon2':
      if (target.kind === 'admit' && users.totp.length > 0) {
        // One picker per server for the whole process: the steps used must be remembered across runs.
        lasting.totpPickers[target.origin] ??= totpPicker(users.totp);
        return signInSteps(admitLoginPage, lasting.totpPickers[target.origin]!, totpSecondFactor());
      }
      return signInSteps(loginPageOf(target), rotate(signInUsers(op, target, users)));
    case 'signin-ldap':
    case 'signin-protocol':
      return signInSteps(loginPageOf(target), rotate(signInUsers(op, target, users)));
  }
}
