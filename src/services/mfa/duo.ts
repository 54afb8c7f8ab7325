import type { Context } from 'koa';
import type { DuoPlugin, DuoPrompt } from '../../kit/mfa-duo.ts';
import { type Store, storeKey } from '../../store/port.ts';
import type { MfaSubject } from './device-management.ts';
import type { FailureLimit } from './failure-limit.ts';
import type { MfaAudit } from './mfa-audit.ts';
import type { CodeHasher } from './one-time-code.ts';

export type DuoBegin =
  | { status: 'redirect'; url: string; stateHash: string }
  /** Duo is not reachable (or the user has no name Duo knows); `failOpen` when the site lets the sign-in go on without it. */
  | { status: 'unavailable'; failOpen: boolean }
  | { status: 'throttled' };

export type DuoFinish =
  /** Duo allowed the sign-in; `amr` is undefined when Duo asked for no factor now (remembered device, trusted network, bypass). */
  { status: 'ok'; amr?: string; factor: string } | { status: 'invalid' | 'denied' | 'unavailable' | 'throttled' };

/** A sign-in that passed the MFA step without a factor counts for the session made within this window of it. */
const PASS_MATCH_MS = 60_000;

/**
 * Duo's Universal Prompt as a second factor of a site that has `mfa.duo`:
 * a health check before each redirect, a random state bound to the sign-in
 * (kept only as a keyed hash), the code exchanged and checked by Duo's SDK,
 * and Duo's verdict counted against the account's failure limit.
 */
export function createDuoFactor(deps: { store: Store; hasher: CodeHasher; failures: FailureLimit; audit: MfaAudit; plugin: DuoPlugin }) {
  // One client per site, so its health answer is shared by the site's sign-ins.
  const prompts = new Map<string, DuoPrompt>();

  function promptFor(who: MfaSubject): DuoPrompt | undefined {
    const settings = who.policy.duo;
    if (!settings) return undefined;
    let prompt = prompts.get(who.siteId);
    if (!prompt) {
      prompt = deps.plugin.create(settings);
      prompts.set(who.siteId, prompt);
    }
    return prompt;
  }

  const usernameFor = (who: MfaSubject) => (who.policy.duo?.username === 'email' ? who.account.email : who.account.username) || undefined;
  const passKey = (accountId: string) => storeKey('mfa-duo-pass', accountId);

  return {
    enabled: (who: MfaSubject) => Boolean(who.policy.duo),

    async begin(ctx: Context, who: MfaSubject, redirectUrl: string): Promise<DuoBegin> {
      const prompt = promptFor(who);
      const username = usernameFor(who);
      if (!prompt || !username) return { status: 'unavailable', failOpen: false };
      if (await deps.failures.blocked(who.accountId, who.policy)) return { status: 'throttled' };
      if (!(await prompt.healthy())) {
        deps.audit(ctx, who, 'mfa_duo', 'unreachable');
        return { status: 'unavailable', failOpen: who.policy.duo?.failMode === 'open' };
      }
      const state = prompt.newState();
      return { status: 'redirect', url: await prompt.authUrl({ username, state, redirectUrl }), stateHash: deps.hasher.hash('duo-state', state) };
    },

    async finish(ctx: Context, who: MfaSubject, input: { stateHash: string; state: string; code: string; redirectUrl: string }): Promise<DuoFinish> {
      const prompt = promptFor(who);
      const username = usernameFor(who);
      if (!prompt || !username) return { status: 'unavailable' };
      // Not the state this sign-in sent: another tab, a replayed or forged return. Not the user's guess, so not counted.
      if (!deps.hasher.matches(input.stateHash, 'duo-state', input.state)) {
        deps.audit(ctx, who, 'mfa_duo', 'state_mismatch');
        return { status: 'invalid' };
      }
      const attempt = await deps.failures.attempt(who.accountId, who.policy);
      if (attempt.refused) return { status: 'throttled' };
      const outcome = await prompt.exchange({ code: input.code, username, redirectUrl: input.redirectUrl });
      if (outcome.status === 'error') {
        await attempt.settle('not_counted');
        deps.audit(ctx, who, 'mfa_duo', 'error', { reason: outcome.reason.slice(0, 200) });
        return { status: 'unavailable' };
      }
      await attempt.settle(outcome.status === 'allow' ? 'ok' : 'failed');
      if (outcome.status === 'deny') {
        deps.audit(ctx, who, 'mfa_verify', 'denied', { method: 'duo', reason: outcome.reason.slice(0, 200) });
        return { status: 'denied' };
      }
      deps.audit(ctx, who, 'mfa_verify', 'ok', { method: 'duo', factor: outcome.factor.slice(0, 60) });
      return { status: 'ok', amr: deps.plugin.amrOf(outcome.factor), factor: outcome.factor };
    },

    /**
     * The MFA step was passed without a factor (Duo unreachable on a
     * fail-open site, or Duo asked for none): the session this sign-in makes
     * satisfies the step, while its amr claims no second factor.
     */
    async recordPassWithoutFactor(accountId: string): Promise<void> {
      await deps.store.set(passKey(accountId), String(Date.now()), { ttlSeconds: 600 });
    },
    async passedWithoutFactor(accountId: string, loginTs: number | undefined): Promise<boolean> {
      if (loginTs === undefined) return false;
      const at = Number(await deps.store.get(passKey(accountId)));
      return Number.isFinite(at) && at > 0 && Math.abs(loginTs * 1000 - at) < PASS_MATCH_MS;
    },
  };
}

export type DuoFactor = ReturnType<typeof createDuoFactor>;
