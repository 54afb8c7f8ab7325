import type { Context } from 'koa';
import type { Renderer } from '../http/render.ts';
import { text } from '../i18n/text.ts';
import type { PortalDeps } from './deps.ts';
import type { PortalUser } from './portal-auth.ts';

/** The portal's pages, in the navigation bar's order: signed in, the account's pages; signed out, what works without signing in. */
const SIGNED_IN = [
  { href: '/portal', label: text('portal:nav.home') },
  { href: '/portal/profile', label: text('portal:nav.profile') },
  { href: '/portal/password', label: text('portal:nav.password') },
  { href: '/portal/devices', label: text('portal:nav.devices') },
  { href: '/portal/sessions', label: text('portal:nav.sessions') },
] as const;
const SIGNED_OUT = [
  { href: '/portal', label: text('portal:nav.home') },
  { href: '/portal/reset', label: text('signin:login.reset') },
  { href: '/portal/unlock', label: text('signin:login.unlock') },
] as const;

/** The link of the page the browser is on: Home only for /portal itself, the others for their sub-pages too. */
const isCurrent = (href: string, path: string) => (href === '/portal' ? path === '/portal' : path === href || path.startsWith(`${href}/`));

/**
 * The portal's renderer: every portal page gets the navigation bar ("Signed
 * in as …", Sign out, the current page marked) through the layout's `nav`
 * slot, and `application`, the app to go back to when the portal was opened
 * from one (applications.ts).
 */
export function portalRenderer(deps: PortalDeps): Renderer {
  return async (ctx: Context, view, data) => {
    const user = (ctx.state.user as PortalUser | undefined) ?? (await deps.auth.currentUser(ctx));
    const application = await deps.auth.applications.current(ctx);
    const account = user?.account;
    // The front page is itself the list of pages: its bar keeps only Home, so each page has one link by its name.
    const pages = ctx.path === '/portal' ? SIGNED_IN.slice(0, 1) : account ? SIGNED_IN : SIGNED_OUT;
    const links = pages.map((link) => ({ ...link, current: isCurrent(link.href, ctx.path) }));
    const nav = {
      view: 'portal/_nav',
      links,
      user: account && {
        name: account.name ?? account.username,
        username: account.username,
        site: deps.sites.get(account.siteId)?.config.displayName ?? account.siteId,
      },
      // The page's own token when it has one: a second token() on a browser without the cookie would set a new one.
      csrfToken: account ? ((data.csrfToken as string | undefined) ?? deps.csrf.token(ctx)) : undefined,
      application,
    };
    await deps.render(ctx, view, { application, ...data, nav });
  };
}
