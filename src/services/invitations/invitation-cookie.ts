import type { Context } from 'koa';
import { createSecretBox } from '../secret-box.ts';

const COOKIE = 'admit.invitation';
const LIFETIME_MS = 30 * 60 * 1000;

/**
 * Carries an accepted invitation's token through a sign-in (LDAP and Entra
 * sites: the invitee signs in with their directory, and the sign-in redeems
 * it). Sealed with AES-GCM: the browser holds the token but cannot read or
 * alter it from the cookie, and it lapses after 30 minutes.
 */
export function createInvitationCookie({ masterSecret }: { masterSecret: string }) {
  const box = createSecretBox(masterSecret, 'invitation-cookie');
  const options = (ctx: Context) => ({ httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, overwrite: true, path: '/' });

  return {
    set(ctx: Context, token: string): void {
      const sealed = box.seal(JSON.stringify({ token, until: Date.now() + LIFETIME_MS }));
      ctx.cookies.set(COOKIE, sealed, { ...options(ctx), maxAge: LIFETIME_MS });
    },
    read(ctx: Context): string | undefined {
      const sealed = ctx.cookies.get(COOKIE);
      if (!sealed) return undefined;
      try {
        const { token, until } = JSON.parse(box.open(sealed)) as { token?: unknown; until?: unknown };
        return typeof token === 'string' && typeof until === 'number' && until > Date.now() ? token : undefined;
      } catch {
        return undefined;
      }
    },
    clear(ctx: Context): void {
      ctx.cookies.set(COOKIE, '', { ...options(ctx), maxAge: 0 });
    },
  };
}

export type InvitationCookie = ReturnType<typeof createInvitationCookie>;
