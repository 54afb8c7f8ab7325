import { createHash, randomBytes } from 'node:crypto';
import { type Store, storeKey } from '../../store/port.ts';

export interface TrustedBrowser {
  /** The token's hash: the record's id, safe to show in a form. */
  id: string;
  label: string;
  createdAt: string;
  expiresAt: string;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/** The most browsers one account keeps trusted: trusting another drops the oldest, so the index stays small. */
export const MAX_TRUSTED_BROWSERS = 20;

/**
 * "Trust this browser": a random token in a cookie, stored server-side only
 * as its hash, under the account it was issued to, so a token of one user
 * never counts for another. Revocable one by one or all at once (password
 * change, MFA reset, sign out everywhere).
 */
export function createTrustedBrowsers({ store }: { store: Store }) {
  const recordKey = (accountId: string, id: string) => storeKey('mfa-trust', accountId, id);
  const indexKey = (accountId: string) => storeKey('mfa-trusted', accountId);

  /** Trusts the browser for `days`; returns the token for its cookie. */
  async function trust(accountId: string, input: { days: number; label: string }): Promise<{ token: string; record: TrustedBrowser }> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const record: TrustedBrowser = {
      id: hashOf(token),
      label: input.label.slice(0, 120),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + input.days * 86_400_000).toISOString(),
    };
    const ttlSeconds = input.days * 86_400;
    await store.set(recordKey(accountId, record.id), JSON.stringify(record), { ttlSeconds });
    await store.addToSet(indexKey(accountId), record.id, { ttlSeconds });
    await prune(accountId);
    return { token, record };
  }

  /** Forgets ids whose record has expired, then revokes the oldest beyond MAX_TRUSTED_BROWSERS. */
  async function prune(accountId: string): Promise<void> {
    const ids = await store.setMembers(indexKey(accountId));
    const raws = await store.getMany(ids.map((id) => recordKey(accountId, id)));
    const live: TrustedBrowser[] = [];
    for (const [index, raw] of raws.entries()) {
      if (raw === undefined) await store.removeFromSet(indexKey(accountId), ids[index]!);
      else live.push(JSON.parse(raw) as TrustedBrowser);
    }
    live.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    for (const old of live.slice(MAX_TRUSTED_BROWSERS)) await revoke(accountId, old.id);
  }

  /** Whether one of the browser's tokens was issued to this account and is still valid. */
  async function isTrusted(accountId: string, tokens: string[]): Promise<boolean> {
    if (tokens.length === 0) return false;
    const found = await store.getMany(tokens.map((token) => recordKey(accountId, hashOf(token))));
    return found.some((raw) => raw !== undefined);
  }

  async function list(accountId: string): Promise<TrustedBrowser[]> {
    const ids = await store.setMembers(indexKey(accountId));
    const raws = await store.getMany(ids.map((id) => recordKey(accountId, id)));
    return raws.flatMap((raw) => (raw === undefined ? [] : [JSON.parse(raw) as TrustedBrowser])).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async function revoke(accountId: string, id: string): Promise<void> {
    await store.delete(recordKey(accountId, id));
    await store.removeFromSet(indexKey(accountId), id);
  }

  /** Revokes every trusted browser of the account; returns how many there were. */
  async function revokeAll(accountId: string): Promise<number> {
    const ids = await store.setMembers(indexKey(accountId));
    await store.delete(indexKey(accountId), ...ids.map((id) => recordKey(accountId, id)));
    return ids.length;
  }

  return { trust, isTrusted, list, revoke, revokeAll };
}

export type TrustedBrowsers = ReturnType<typeof createTrustedBrowsers>;
