import type { Context } from 'koa';
import { text } from '../i18n/text.ts';
import { requestableSites } from '../services/requestable-sites.ts';
import type { PortalDeps } from './deps.ts';

/**
 * The portal's front page, as the seed shows it: "Update Your Profile
 * Efficiently" with its links. Signed in, it greets the user and offers
 * sign-out; the pages that need a signed-in user send the browser through
 * the sign-in first.
 */
export async function showHome(deps: PortalDeps, ctx: Context): Promise<void> {
  const user = await deps.auth.currentUser(ctx);
  await deps.render(ctx, 'portal/home', {
    title: text('portal:title'),
    user: user ? { name: user.account.name ?? user.account.username, site: user.account.siteId } : undefined,
    registration: requestableSites(deps).length > 0,
    csrfToken: deps.csrf.token(ctx),
  });
}
