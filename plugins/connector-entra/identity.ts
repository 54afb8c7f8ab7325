import type { FederatedIdentity } from '../../src/kit/index.ts';
import type { EntraSettings } from './settings.ts';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const AMR_VALUE = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_GROUPS = 500;

/**
 * The identity admit keeps from a checked ID token. The account link is
 * `<tid>:<oid>`: the one pair Entra never reassigns. `email`,
 * `preferred_username` and `upn` are profile only; they can be changed by a
 * tenant admin (or, with `email`, set to anything) and never select an
 * account ("nOAuth"). Entra's email is never marked verified.
 */
export function identityFromClaims(claims: Record<string, unknown>, settings: EntraSettings): { identity: FederatedIdentity; notes: string[] } {
  const notes: string[] = [];
  const tid = String(claims.tid).toLowerCase();
  const oid = String(claims.oid).toLowerCase();
  const text = (value: unknown, max: number) => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined);
  const email = text(claims.email, 320);
  const upstreamAmr = Array.isArray(claims.amr)
    ? claims.amr.filter((value): value is string => typeof value === 'string' && AMR_VALUE.test(value)).slice(0, 10)
    : [];

  let groups: string[] = [];
  if (settings.groups.enabled) {
    // Past ~200 groups Entra sends a pointer to Graph instead of the list (the "overage").
    const claimNames = claims._claim_names as Record<string, unknown> | undefined;
    if (claims.hasgroups === true || (claimNames && 'groups' in claimNames)) notes.push('groups_overage');
    const ids = Array.isArray(claims.groups) ? claims.groups.filter((id): id is string => typeof id === 'string').slice(0, MAX_GROUPS) : [];
    groups = ids.flatMap((id) => {
      const named = settings.groups.names[id] ?? settings.groups.names[id.toLowerCase()];
      if (named) return [named];
      return settings.groups.onlyMapped ? [] : [id];
    });
  }

  return {
    identity: {
      externalId: `${tid}:${oid}`,
      username: text(claims.preferred_username, 256) ?? email ?? oid,
      name: text(claims.name, 256),
      email: email && EMAIL.test(email) ? email : undefined,
      emailVerified: false,
      groups: [...new Set(groups)],
      upstreamAmr,
      upstreamMfaTrusted: settings.trustUpstreamMfa && upstreamAmr.includes('mfa'),
    },
    notes,
  };
}
