import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import { formatDateTime, localeOf, translatorOf } from '../i18n/index.ts';
import { type Text, text } from '../i18n/text.ts';
import type { PortalDeps } from './deps.ts';
import type { PortalUser } from './portal-auth.ts';
import { browserInWords, factorsInWords, timeInWords } from './session-words.ts';

/** The applications a session signed in to, by their registered `client_name` (the id when it has none); the portal itself too. */
async function applicationNames(deps: PortalDeps, clientIds: string[]): Promise<Map<string, string>> {
  const names = await Promise.all([...new Set(clientIds)].map(async (id) => [id, (await deps.auth.clientName(id)) ?? id] as const));
  return new Map(names);
}

/** "Sessions & Devices": where the user is signed in, in words (browser, system, how, when, which applications), with sign-out for each and everywhere. */
export async function showSessions(deps: PortalDeps, ctx: Context, notice?: string | Text): Promise<void> {
  const user = ctx.state.user as PortalUser;
  const [sessions, trusted] = await Promise.all([deps.sessions.list(user.account.id), deps.mfa.trustedBrowsers.list(user.account.id)]);
  const names = await applicationNames(
    deps,
    sessions.flatMap((session) => session.clients),
  );
  // The words of each row in the page's language (English where no translator is set).
  const t = translatorOf(ctx);
  const language = t ? { locale: localeOf(ctx), t } : undefined;
  await deps.render(ctx, 'portal/sessions', {
    title: text('portal:nav.sessions'),
    csrfToken: deps.csrf.token(ctx),
    notice,
    trusted: trusted.map((browser) => ({
      id: browser.id,
      label: browser.label,
      until: formatDateTime(localeOf(ctx), browser.expiresAt, { dateStyle: 'medium' }),
    })),
    sessions: sessions.map((session) => {
      const browser = browserInWords(session.userAgent, t);
      return {
        id: session.id,
        current: session.id === user.sessionId,
        browser: browser?.label ?? text('portal:sessions.aBrowser'),
        factors: factorsInWords(session.amr, deps.mfa.methods.all, t),
        applications: session.clients.map((id) => names.get(id) ?? id),
        signedIn: timeInWords(session.signedInAt, Date.now(), language),
      };
    }),
  });
}

export async function signOutSession(deps: PortalDeps, ctx: Context, sessionId: string): Promise<void> {
  const user = ctx.state.user as PortalUser;
  // Only the signed-in user's own sessions: another account's id answers "not found".
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(sessionId) || !(await deps.sessions.signOut(user.account.id, sessionId))) throw new AppError('not_found', 404);
  deps.audit.record(ctx, { action: 'session_sign_out', outcome: 'ok', accountId: user.account.id, site: user.account.siteId });
  if (sessionId === user.sessionId) {
    ctx.status = 303;
    return ctx.redirect('/portal');
  }
  await showSessions(deps, ctx, text('portal:sessions.signedOut'));
}

export async function signOutEverywhere(deps: PortalDeps, ctx: Context): Promise<void> {
  const user = ctx.state.user as PortalUser;
  // Everywhere includes the browsers trusted to skip the second factor.
  const [count, browsers] = await Promise.all([deps.sessions.signOutEverywhere(user.account.id), deps.mfa.revokeTrustedBrowsers(user.account.id)]);
  deps.audit.record(ctx, {
    action: 'sign_out_everywhere',
    outcome: 'ok',
    accountId: user.account.id,
    site: user.account.siteId,
    detail: { sessions: count, trustedBrowsers: browsers },
  });
  ctx.status = 303;
  ctx.redirect('/portal');
}

/** Stops trusting one browser: it will be asked for a second factor again. */
export async function forgetTrustedBrowser(deps: PortalDeps, ctx: Context, id: string): Promise<void> {
  const user = ctx.state.user as PortalUser;
  const known = (await deps.mfa.trustedBrowsers.list(user.account.id)).some((browser) => browser.id === id);
  if (!known) throw new AppError('not_found', 404);
  await deps.mfa.trustedBrowsers.revoke(user.account.id, id);
  deps.audit.record(ctx, { action: 'trusted_browser_forget', outcome: 'ok', accountId: user.account.id, site: user.account.siteId });
  await showSessions(deps, ctx, text('portal:sessions.forgotten'));
}
