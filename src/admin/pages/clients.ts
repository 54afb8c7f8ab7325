import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { messages } from '../../errors/messages.ts';
import { guard } from '../../http/route-input.ts';
import { auditAdmin, redirectWithNotice, renderAdmin, requireGlobalAdmin } from '../admin-page.ts';
import type { AdminDeps } from '../deps.ts';

/** https anywhere; plain http only to loopback (development). No fragments, no credentials. */
function redirectUriProblem(uri: string): boolean {
  try {
    const url = new URL(uri);
    const loopback = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
    return !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) || url.hash !== '' || url.username !== '' || url.password !== '';
  } catch {
    return true;
  }
}

const redirectUris = z
  .string()
  .max(4000)
  .transform((text) =>
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
  )
  .refine((uris) => uris.length > 0 && uris.length <= 20 && !uris.some(redirectUriProblem), 'invalid_redirect_uris');

const registerForm = z.object({
  client_id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'Client ID: letters, digits, . _ - (at most 100).'),
  client_name: z.string().trim().max(200).optional(),
  redirect_uris: redirectUris,
  type: z.enum(['confidential', 'public'], 'Choose confidential or public.'),
  first_party: z.literal('on').optional(),
});

const messageOf = (code: string | undefined) => (code && code in messages ? messages[code as keyof typeof messages] : (code ?? 'Check the form.'));

/**
 * Relying applications (global admins only): register, rotate a secret,
 * change redirect URIs. Secrets are shown once, right after they are made.
 */
export function clientRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  async function show(ctx: Context, extra: Record<string, unknown> = {}) {
    const { config, registered } = await deps.clients.list();
    await renderAdmin(deps, ctx, 'clients', {
      title: 'Relying applications',
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
    const refuse = (error: string) => {
      ctx.status = 400;
      return show(ctx, { values: ctx.request.body ?? {}, error });
    };
    const outcome = await deps.clients.register({
      id: input.client_id,
      name: input.client_name,
      redirectUris: input.redirect_uris,
      firstParty: input.first_party === 'on',
      isPublic: input.type === 'public',
    });
    auditAdmin(deps, ctx, {
      action: 'admin.client.register',
      outcome: outcome.status,
      detail: { client: input.client_id, type: input.type, firstParty: input.first_party === 'on' },
    });
    if (outcome.status === 'exists') return refuse(messages.client_exists);
    if (outcome.status === 'invalid') return refuse(`${outcome.field}: ${outcome.message}`);
    await show(ctx, { secret: outcome.secret ? { clientId: input.client_id, value: outcome.secret } : undefined, registeredId: input.client_id });
  });

  router.post('/clients/:id/rotate-secret', admin, requireGlobalAdmin, ...form, async (ctx) => {
    const id = String(ctx.params.id);
    const secret = await deps.clients.rotateSecret(id);
    auditAdmin(deps, ctx, { action: 'admin.client.rotate_secret', outcome: secret ? 'ok' : 'not_found', detail: { client: id } });
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
      return show(ctx, { error: `${id}: ${messages.invalid_redirect_uris}` });
    },
  });
  router.post('/clients/:id/redirect-uris', admin, requireGlobalAdmin, ...form, newRedirectUris, async (ctx) => {
    const id = await clientFor(ctx);
    const uris = newRedirectUris.input(ctx).body.redirect_uris;
    const outcome = await deps.clients.setRedirectUris(id, uris);
    auditAdmin(deps, ctx, { action: 'admin.client.redirect_uris', outcome: outcome.status, detail: { client: id, redirectUris: uris.join(' ') } });
    if (outcome.status !== 'ok') {
      ctx.status = 400;
      return show(ctx, { error: outcome.status === 'invalid' ? `${outcome.field}: ${outcome.message}` : messages.invalid_form });
    }
    redirectWithNotice(ctx, '/admin/clients', 'redirect_uris');
  });
}
