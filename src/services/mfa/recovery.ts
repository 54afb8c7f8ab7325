import type { RecoveryCodeGenerator } from '../../kit/factor.ts';
import { type Store, storeKey } from '../../store/port.ts';
import type { CodeHasher } from './one-time-code.ts';

export const RECOVERY_CODE_COUNT = 10;

/**
 * Recovery codes: shown once when made, stored as keyed hashes, each
 * usable once (the record is taken atomically). Making a new set voids the
 * old one.
 */
export function createRecoveryCodes(deps: { store: Store; generator: RecoveryCodeGenerator; hasher: CodeHasher }) {
  const { store, generator, hasher } = deps;
  const setKey = (accountId: string) => storeKey('mfa-recovery', accountId);
  const codeKey = (accountId: string, hash: string) => storeKey('mfa-recovery', accountId, hash);

  async function clear(accountId: string): Promise<void> {
    const hashes = await store.setMembers(setKey(accountId));
    await store.delete(setKey(accountId), ...hashes.map((hash) => codeKey(accountId, hash)));
  }

  /** A new set of codes for the account, replacing any earlier set. The plain codes exist only in the answer. */
  async function regenerate(accountId: string): Promise<string[]> {
    await clear(accountId);
    const codes = generator.generate(RECOVERY_CODE_COUNT);
    for (const code of codes) {
      const hash = hasher.hash(accountId, code);
      await store.set(codeKey(accountId, hash), '1');
      await store.addToSet(setKey(accountId), hash);
    }
    return codes;
  }

  const remaining = async (accountId: string) => (await store.setMembers(setKey(accountId))).length;

  /** Uses up the code if it is one of the account's unused codes. */
  async function consume(accountId: string, input: string): Promise<boolean> {
    const code = generator.normalize(input);
    if (!code) return false;
    const hash = hasher.hash(accountId, code);
    if ((await store.take(codeKey(accountId, hash))) === undefined) return false;
    await store.removeFromSet(setKey(accountId), hash);
    return true;
  }

  return { regenerate, remaining, consume, clear };
}

export type RecoveryCodes = ReturnType<typeof createRecoveryCodes>;
