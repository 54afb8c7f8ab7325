import { createSealedCookie } from '../../lib/sealed-cookie.ts';

/**
 * Carries an accepted invitation's token through a sign-in (LDAP and Entra
 * sites: the invitee signs in with their directory, and the sign-in redeems
 * it). Sealed: the browser holds the token but cannot read or alter it from
 * the cookie, and it lapses after 30 minutes.
 */
export function createInvitationCookie({ masterSecret }: { masterSecret: string }) {
  return createSealedCookie<string>({
    masterSecret,
    purpose: 'invitation-cookie',
    name: 'admit.invitation',
    path: '/',
    lifetimeMs: 30 * 60 * 1000,
    isValue: (value): value is string => typeof value === 'string',
  });
}

export type InvitationCookie = ReturnType<typeof createInvitationCookie>;
