import type { Context } from 'koa';
import { z } from 'zod';
import { type MessageCode, messageText } from '../../errors/messages.ts';
import { guard } from '../../http/route-input.ts';
import { usernameAllowed } from '../../kit/username.ts';
import type { PortalDeps } from '../deps.ts';
import type { RecoveryDeps } from './deps.ts';
import type { RecoveryKind } from './flow.ts';
import { recoveryTexts } from './texts.ts';

/** An oidc-provider interaction uid (only ever used as a relative link back to /interaction/<uid>). */
const INTERACTION_UID = /^[A-Za-z0-9_-]{8,64}$/;
const interactionOf = (value: unknown) => (typeof value === 'string' && INTERACTION_UID.test(value) ? value : undefined);

const startForm = z.object({
  username: z.string({ error: 'field_required' }).trim().min(1, 'field_required').max(256, 'field_too_long').refine(usernameAllowed, 'username_not_allowed'),
  site: z.string({ error: 'unknown_site' }).min(1, 'unknown_site').max(64, 'unknown_site'),
  interaction: z.string().regex(INTERACTION_UID).optional().catch(undefined),
});

export async function showStart(
  deps: PortalDeps,
  ctx: Context,
  kind: RecoveryKind,
  view: { status?: number; error?: MessageCode; username?: string; site?: string; interaction?: string } = {},
) {
  if (view.status) ctx.status = view.status;
  await deps.render(ctx, 'portal/recover-start', {
    title: recoveryTexts[kind].heading,
    ...recoveryTexts[kind],
    kind,
    csrfToken: deps.csrf.token(ctx),
    sites: deps.sites.list(),
    username: view.username ?? '',
    selectedSite: view.site,
    interaction: view.interaction ?? interactionOf(ctx.query.interaction),
    error: view.error ? messageText(view.error) : undefined,
  });
}

/** What the start form echoes back: the typed user name and site, and a valid interaction uid only. */
function echoOf(ctx: Context) {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  return {
    username: typeof body.username === 'string' ? body.username.slice(0, 256) : '',
    site: typeof body.site === 'string' ? body.site : undefined,
    interaction: interactionOf(body.interaction),
  };
}

/** The start form's declared input; a refused form is the start page again with the first issue's message. */
const startInput = (deps: RecoveryDeps, kind: RecoveryKind) =>
  guard({
    body: startForm,
    invalid: (ctx, refusal) => showStart(deps, ctx, kind, { status: 400, error: refusal.code, ...echoOf(ctx) }),
  });

/**
 * User name and site. Whether or not they name an account, the answer is the
 * same next page; only a second factor of that account can prove the flow.
 * The guard runs in front of the handler here because recovery/routes.ts
 * wires each page as one (deps, ctx) function.
 */
export function submitStart(deps: RecoveryDeps, ctx: Context, kind: RecoveryKind): Promise<void> {
  const input = startInput(deps, kind);
  return input(ctx, () => start(deps, ctx, kind, input.input(ctx).body)) as Promise<void>;
}

async function start(deps: RecoveryDeps, ctx: Context, kind: RecoveryKind, form: z.infer<typeof startForm>): Promise<void> {
  const echo = echoOf(ctx);
  const { username, site: siteId } = form;
  if (!deps.sites.get(siteId)) return showStart(deps, ctx, kind, { status: 400, error: 'unknown_site', ...echo });

  if (!(await deps.lockout.recoveryStart({ siteId, username, ip: ctx.ip })))
    return showStart(deps, ctx, kind, { status: 429, error: 'too_many_attempts', ...echo });

  const account = await deps.accounts.findByUsername(siteId, username);
  const usable = account && account.status === 'active' ? account : undefined;
  await deps.flows.start(ctx, { kind, siteId, username, accountId: usable?.id, interaction: form.interaction });
  deps.audit.record(ctx, { action: `${kind}_start`, outcome: usable ? 'account' : 'no_account', site: siteId, username });
  ctx.status = 303;
  ctx.redirect(`/portal/${kind}/verify`);
}
