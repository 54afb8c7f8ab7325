import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const TAG_BYTES = 16;

/**
 * Authenticated encryption (AES-256-GCM) for secrets at rest: signing keys,
 * later TOTP seeds. Each purpose gets its own key derived from the master
 * secret, so a value sealed for one purpose cannot be opened as another.
 */
export function createSecretBox(masterSecret: string, purpose: string) {
  const key = Buffer.from(hkdfSync('sha256', masterSecret, 'admit', `secret-box:${purpose}`, 32));

  return {
    seal(plaintext: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed: string): string {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== 'v1' || !iv || body === undefined || !tag) throw new Error(`cannot open a ${purpose} secret: unknown format`);
      // GCM would check a truncated tag (down to 4 bytes) as given: only the full 16 bytes are accepted.
      const tagBytes = Buffer.from(tag, 'base64url');
      if (tagBytes.length !== TAG_BYTES) throw new Error(`cannot open a ${purpose} secret: damaged data (authentication tag of ${tagBytes.length} bytes)`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tagBytes);
      try {
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new Error(`cannot open a ${purpose} secret: wrong master secret (ADMIT_SECRET) or damaged data`, { cause });
      }
    },
  };
}

/** Derives a stable key (e.g. for cookie signing) from the master secret. */
export function deriveKey(masterSecret: string, purpose: string): string {
  return Buffer.from(hkdfSync('sha256', masterSecret, 'admit', purpose, 32)).toString('base64url');
}

export type SecretBox = ReturnType<typeof createSecretBox>;
