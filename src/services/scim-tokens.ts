import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Store, storeKey } from '../store/port.ts';

/**
 * The SCIM provisioning tokens: one bearer token per site, the secret a
 * partner's directory (Microsoft Entra ID's provisioning service) sends to
 * /scim/v2/<site>. Random (256 bits), shown once when made, stored only as
 * its SHA-256 (a token this random needs no slow hash: there is nothing to
 * guess), compared in constant time. Making a new one replaces the old one,
 * which stops working at once; revoking leaves none. The token names no
 * site: it is checked against the site of the URL, so a token of one site
 * is nothing at another.
 *
 * Here (services) rather than in src/scim because the console, an area
 * that may not import another, makes the tokens the endpoint checks.
 */
export interface ScimTokenInfo {
  /** The first characters of the token, so an admin can tell which one a directory holds. */
  hint: string;
  createdAt: string;
  createdBy: string;
}

interface StoredToken extends ScimTokenInfo {
  hash: string;
}

const tokenKey = (siteId: string) => storeKey('scim-token', siteId);
const PREFIX = 'admit_scim_';
const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export function createScimTokens({ store, now = () => new Date() }: { store: Store; now?: () => Date }) {
  async function read(siteId: string): Promise<StoredToken | undefined> {
    const raw = await store.get(tokenKey(siteId));
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredToken);
  }

  return {
    /** What the console shows of the site's token (never the token). */
    async info(siteId: string): Promise<ScimTokenInfo | undefined> {
      const stored = await read(siteId);
      return stored && { hint: stored.hint, createdAt: stored.createdAt, createdBy: stored.createdBy };
    },
    /** A new token for the site, replacing (revoking) any; the only time it is seen in clear. */
    async issue(siteId: string, createdBy: string): Promise<{ token: string; replaced: boolean }> {
      const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
      const replaced = (await read(siteId)) !== undefined;
      const stored: StoredToken = {
        hash: digest(token).toString('base64url'),
        hint: token.slice(0, PREFIX.length + 4),
        createdAt: now().toISOString(),
        createdBy,
      };
      await store.set(tokenKey(siteId), JSON.stringify(stored));
      return { token, replaced };
    },
    /** No token for the site any more; false when it had none. */
    async revoke(siteId: string): Promise<boolean> {
      return (await store.take(tokenKey(siteId))) !== undefined;
    },
    /**
     * Whether `presented` is the site's current token. The answer also
     * carries a short id of the token (part of its hash) for per-token
     * limits, never the token.
     */
    async check(siteId: string, presented: string): Promise<{ ok: true; tokenId: string } | { ok: false }> {
      if (!presented.startsWith(PREFIX) || presented.length > 200) return { ok: false };
      const stored = await read(siteId);
      if (!stored) return { ok: false };
      const expected = Buffer.from(stored.hash, 'base64url');
      const given = digest(presented);
      return expected.length === given.length && timingSafeEqual(expected, given) ? { ok: true, tokenId: stored.hash.slice(0, 16) } : { ok: false };
    },
  };
}

export type ScimTokens = ReturnType<typeof createScimTokens>;
