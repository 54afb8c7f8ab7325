import { createHmac } from 'node:crypto';
import type { Configuration } from 'oidc-provider';

/**
 * Pairwise subject identifiers (OIDC Core 8.1): a client registered with
 * `subject_type: pairwise` sees `sub` = HMAC(key, sector, account id), the
 * same for every client of one sector (the redirect URIs' host, or the host
 * of its sector_identifier_uri) and unrelated between sectors. The key is
 * derived from the master secret, so the values survive restarts and
 * signing-key rotation.
 */
export function pairwiseIdentifier(key: string): NonNullable<Configuration['pairwiseIdentifier']> {
  return async (_ctx, accountId, client) => {
    const sector = (client as { sectorIdentifier?: string }).sectorIdentifier ?? '';
    return createHmac('sha256', key).update(`${sector}\0${accountId}`).digest('base64url');
  };
}
