import type { Context } from 'koa';
import type { MessageCode } from '../../errors/messages.ts';
import { messageText } from '../../errors/messages.ts';
import { text } from '../../i18n/text.ts';
import { requestableSites } from '../../services/requestable-sites.ts';
import type { FlowDeps } from '../deps.ts';

/** A refused sign-in post, kept in the interaction (its `result.loginFlash`) for the page it redirects to. */
export interface LoginFlash {
  status: number;
  error: MessageCode;
  username: string;
  site?: string;
}

/** Renders the "Sign in" page: User Name, Password, Log on to. */
export async function showLogin(
  deps: FlowDeps,
  ctx: Context,
  view: { uid: string; clientName?: string; username?: string; site?: string; error?: MessageCode },
): Promise<void> {
  await deps.render(ctx, 'sign-in/login', {
    title: text('signin:login.title'),
    uid: view.uid,
    clientName: view.clientName,
    username: view.username ?? '',
    selectedSite: view.site ?? deps.sites.list()[0]?.id,
    sites: deps.sites.list(),
    // "User Registration" only when some site takes access requests from anyone (an Entra site's only after its sign-in).
    registration: requestableSites(deps).length > 0,
    csrfToken: deps.csrf.token(ctx),
    error: view.error ? messageText(view.error) : undefined,
  });
}
