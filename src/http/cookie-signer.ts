import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/** The shape Koa and the `cookies` module take in place of a key list (Keygrip's). */
export interface CookieSigner {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  index(data: string, digest: string): number;
}

/**
 * Signs and checks cookies exactly as Keygrip does for Koa (HMAC-SHA1 of
 * `name=value`, base64url, the first key signs, any key verifies), so
 * cookies signed before stay valid. Keygrip is built anew for every request,
 * imports each key on every HMAC, and compares digests with a double HMAC
 * under a fresh random key (three HMACs and a random draw per signed cookie
 * read: tens of µs, several times per sign-in). Here the keys are imported
 * once and digests are compared with crypto.timingSafeEqual; a digest's
 * length is public (it is fixed), so only equal lengths are compared.
 */
export function createCookieSigner(keys: readonly string[]): CookieSigner {
  if (keys.length === 0) throw new Error('cookie signing needs at least one key');
  const imported: KeyObject[] = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  const digestOf = (data: string, key: KeyObject) => createHmac('sha1', key).update(data).digest('base64url');

  function index(data: string, digest: string): number {
    const given = Buffer.from(String(digest));
    for (let i = 0; i < imported.length; i += 1) {
      const expected = Buffer.from(digestOf(data, imported[i]!));
      if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
    }
    return -1;
  }

  return {
    sign: (data) => digestOf(data, imported[0]!),
    verify: (data, digest) => index(data, digest) > -1,
    index,
  };
}
