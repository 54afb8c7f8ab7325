import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { type MessageCode, messages, messageText } from '../../errors/messages.ts';
import { guard } from '../../http/route-input.ts';
import { type Text, text } from '../../i18n/text.ts';
import { actorOfAdmin } from '../actions/actor.ts';
import { registerClient, rotateClientSecret, setClientRedirectUris } from '../actions/client-actions.ts';
import { clientFields, redirectUriList } from '../actions/schemas.ts';
import { redirectWithNotice, renderAdmin, requireGlobalAdmin } from '../admin-page.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

const redirectUris = z
  .string()
  .max(4000)
  .transform((text) =>
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
  )
  .pipe(redirectUriList);

/** The console's form: the shared fields (actions/schemas.ts), one redirect URI a line, a first-party checkbox. */
const registerForm = z.object({ ...clientFields, redirect_uris: redirectUris, first_party: z.literal('on').optional() });

const messageOf = (code: string | undefined): string | Text =>
  code && code in messages ? messageText(code as MessageCode) : (code ?? messageText('invalid_form'));

/**
 * Relying applications (global admins only): register, rotate a secret,
 * change redirect URIs. Secrets are shown once, right after they are made.
 */
export function clientRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  async function show(ctx: Context, extra: Record<string, unknown> = {}) {
    const { config, registered } = await deps.clients.list();
    await renderAdmin(deps, ctx, 'clients', {
      title: text('admin:nav.clients'),
      tab: 'clients',
      configClients: config,
      registered,
      values: {},
      error: undefined,
      secret: undefined,
      ...extra,
    });
  }

  router.get('/clients', admin, requireGlobalAdmin, (ctx) => show(ctx));

  const registration = guard({
    body: registerForm,
    invalid: (ctx, refusal) => {
      ctx.status = 400;
      return show(ctx, { values: refusal.echo, error: messageOf(refusal.issue) });
    },
  });
  router.post('/clients', admin, requireGlobalAdmin, ...form, registration, async (ctx) => {
    const input = registration.input(ctx).body;
    const refuse = (error: string | Text) => {
      ctx.status = 400;
      return show(ctx, { values: ctx.request.body ?? {}, error });
    };
    const outcome = await registerClient(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), {
      id: input.client_id,
      name: input.client_name,
      redirectUris: input.redirect_uris,
      firstParty: input.first_party === 'on',
      isPublic: input.type === 'public',
    });
    if (outcome.status === 'exists') return refuse(messageText('client_exists'));
    if (outcome.status === 'invalid') return refuse(`${outcome.field}: ${outcome.message}`);
    await show(ctx, { secret: outcome.secret ? { clientId: input.client_id, value: outcome.secret } : undefined, registeredId: input.client_id });
  });

  router.post('/clients/:id/rotate-secret', admin, requireGlobalAdmin, ...form, async (ctx) => {
    const id = String(ctx.params.id);
    const secret = await rotateClientSecret(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), id);
    if (!secret) throw new AppError('not_found', 404);
    await show(ctx, { secret: { clientId: id, value: secret } });
  });

  const clientFor = async (ctx: Context) => {
    const id = String(ctx.params.id);
    if (!(await deps.clients.find(id))) throw new AppError('not_found', 404);
    return id;
  };
  const newRedirectUris = guard({
    body: z.object({ redirect_uris: z.string().default('').pipe(redirectUris) }),
    invalid: async (ctx) => {
      const id = await clientFor(ctx);
      ctx.status = 400;
      return show(ctx, { error: text('admin:clients.forClient', { client: id, message: messageText('invalid_redirect_uris') }) });
    },
  });
  router.post('/clients/:id/redirect-uris', admin, requireGlobalAdmin, ...form, newRedirectUris, async (ctx) => {
    const id = await clientFor(ctx);
    const uris = newRedirectUris.input(ctx).body.redirect_uris;
    const outcome = await setClientRedirectUris(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), id, uris);
    if (outcome.status !== 'ok') {
      ctx.status = 400;
      return show(ctx, { error: outcome.status === 'invalid' ? `${outcome.field}: ${outcome.message}` : messageText('invalid_form') });
    }
    redirectWithNotice(ctx, '/admin/clients', 'redirect_uris');
  });
}
