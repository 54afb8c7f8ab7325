import type { TotpAlgorithm } from '../../kit/factor.ts';
import type { createSecretBox } from '../../lib/secret-box.ts';
import { type Store, storeKey } from '../../store/port.ts';

export type TotpCheck = 'ok' | 'invalid' | 'replayed';

// Long enough to outlive the ±1 step window of every code.
const STEP_MARK_SECONDS = 5 * 60;

/**
 * Authenticator-app codes. Secrets are sealed at rest. A code is accepted
 * once: the first request to claim its time step (an atomic setIfAbsent on
 * `totp-step:{factor:step}`) wins, and a step older than the last accepted
 * one is refused, so neither a replay nor a parallel replay gets through.
 */
export function createTotpCodes(deps: { store: Store; totp: TotpAlgorithm; box: ReturnType<typeof createSecretBox> }) {
  const { store, totp, box } = deps;
  const lastStepKey = (factorId: string) => storeKey('totp-last', factorId);

  /** A fresh secret for enrollment: sealed (to keep in the flow's state) and in the forms an app takes. */
  function newSecret(issuer: string, account: string) {
    const secret = totp.newSecret();
    return { sealed: box.seal(secret), secret, uri: totp.uri({ secret, issuer, account }) };
  }

  /** The plain secret and the URI of a sealed secret, to show the QR code and the key again. */
  function describe(sealed: string, issuer: string, account: string) {
    const secret = box.open(sealed);
    return { secret, uri: totp.uri({ secret, issuer, account }) };
  }

  async function verify(factorId: string, sealed: string, code: string, now = Date.now()): Promise<TotpCheck> {
    const step = totp.matchStep({ secret: box.open(sealed), code, now });
    if (step === undefined) return 'invalid';
    const last = Number((await store.get(lastStepKey(factorId))) ?? -1);
    if (step <= last) return 'replayed';
    if (!(await store.setIfAbsent(storeKey('totp-step', `${factorId}:${step}`), '1', { ttlSeconds: STEP_MARK_SECONDS }))) return 'replayed';
    await store.set(lastStepKey(factorId), String(Math.max(step, last)));
    return 'ok';
  }

  return { newSecret, describe, verify };
}

export type TotpCodes = ReturnType<typeof createTotpCodes>;
