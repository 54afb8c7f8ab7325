import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { type MessageCode, messageText } from '../errors/messages.ts';
import { guard } from '../http/route-input.ts';
import { formatDate, text } from '../i18n/index.ts';
import { localeOf } from '../i18n/middleware.ts';
import { requestableSites } from '../services/requestable-sites.ts';
import type { RegistrationDeps } from './deps.ts';
import { emailInUse } from './email-in-use.ts';
import { codeForm, startForm } from './forms.ts';
import { redirect } from './redirect.ts';
import { detailsRoute } from './register-details.ts';

/** The start form as typed, to show again beside a refusal (the email as typed, not lower-cased). */
const echoOf = (body: unknown) => {
  const fields = (body ?? {}) as Record<string, unknown>;
  return { email: typeof fields.email === 'string' ? fields.email.slice(0, 254) : '', site: typeof fields.site === 'string' ? fields.site : undefined };
};

/**
 * "User Registration": choose the site and give an email; prove it with the
 * emailed code; then the details (register-details.ts); then the status page.
 */
export function registerRoutes(router: Router, deps: RegistrationDeps, form: Middleware[]): void {
  async function showStart(ctx: Context, view: { error?: MessageCode; email?: string; site?: string } = {}) {
    const pass = deps.signUpPass.read(ctx);
    const sites = requestableSites(deps, pass);
    const asked = typeof ctx.query.site === 'string' && sites.some((site) => site.id === ctx.query.site) ? ctx.query.site : undefined;
    await deps.render(ctx, 'registration/start', {
      title: text('signin:login.registration'),
      sites,
      selectedSite: view.site ?? asked ?? pass?.siteId ?? sites[0]?.id,
      email: view.email ?? pass?.identity.email ?? '',
      csrfToken: deps.csrf.token(ctx),
      error: view.error ? messageText(view.error) : undefined,
    });
  }

  async function showVerify(ctx: Context, email: string, error?: MessageCode) {
    await deps.render(ctx, 'registration/verify', {
      title: text('registration:verify.title'),
      email,
      lifetime: deps.codes.lifetimeIn(localeOf(ctx)),
      csrfToken: deps.csrf.token(ctx),
      error: error ? messageText(error) : undefined,
    });
  }

  const refuseStart = (ctx: Context, status: number, error: MessageCode) => {
    ctx.status = status;
    return showStart(ctx, { ...echoOf(ctx.request.body), error });
  };
  const startInput = guard({ body: startForm, invalid: (ctx, refusal) => refuseStart(ctx, 400, refusal.code) });
  // codeForm refuses nothing: a malformed code is answered on the code page, after the flow's own checks.
  const verifyInput = guard({ body: codeForm });

  router.get('/register', (ctx) => showStart(ctx));

  router.post('/register', ...form, startInput, async (ctx) => {
    const { site: siteId, email } = startInput.input(ctx).body;
    if (!requestableSites(deps, deps.signUpPass.read(ctx)).some((site) => site.id === siteId)) return refuseStart(ctx, 400, 'sign_up_closed');
    const site = deps.sites.get(siteId)!;
    // Codes by email cost the recipient attention: the code service limits them per address and per client IP.
    const sent = await deps.flows.start(ctx, siteId, email, (binding) =>
      deps.codes.send(binding, { channel: 'email', to: email, ip: ctx.ip, siteName: site.config.displayName, mail: { siteId }, locale: localeOf(ctx) }),
    );
    if (sent.status === 'failed') throw new Error(`the registration code could not be emailed: ${sent.reason}`);
    if (sent.status !== 'sent') {
      void deps.audit.record(ctx, { action: 'registration.code', outcome: 'throttled', site: siteId, detail: { email } });
      return refuseStart(ctx, 429, 'too_many_requests');
    }
    void deps.audit.record(ctx, { action: 'registration.code', outcome: 'sent', site: siteId, detail: { email } });
    redirect(ctx, '/register/verify');
  });

  router.get('/register/verify', async (ctx) => {
    const current = await deps.flows.current(ctx);
    if (!current || current.flow.verified) return redirect(ctx, current?.flow.verified ? '/register/details' : '/register');
    await showVerify(ctx, current.flow.email);
  });

  router.post('/register/verify', ...form, verifyInput, async (ctx) => {
    const current = await deps.flows.current(ctx);
    if (!current) return showStart(ctx, { error: 'registration_expired' });
    if (current.flow.verified) return redirect(ctx, '/register/details');
    const { code } = verifyInput.input(ctx).body;
    const outcome = code ? await deps.flows.checkCode(current.id, current.flow, code) : 'wrong_code';
    void deps.audit.record(ctx, { action: 'registration.verify_email', outcome, site: current.flow.siteId, detail: { email: current.flow.email } });
    if (outcome === 'too_many_attempts' || outcome === 'code_expired') {
      await deps.flows.end(ctx, current.id);
      ctx.status = outcome === 'too_many_attempts' ? 429 : 400;
      return showStart(ctx, {
        error: outcome === 'too_many_attempts' ? 'too_many_requests' : 'code_expired',
        email: current.flow.email,
        site: current.flow.siteId,
      });
    }
    if (outcome === 'wrong_code') {
      ctx.status = 400;
      return showVerify(ctx, current.flow.email, 'wrong_code');
    }
    // Only the owner of the address learns whether it is taken (no lookup for strangers).
    if (await emailInUse(deps, current.flow.siteId, current.flow.email)) {
      await deps.flows.end(ctx, current.id);
      ctx.status = 409;
      return showStart(ctx, { error: 'email_in_use', email: current.flow.email, site: current.flow.siteId });
    }
    redirect(ctx, '/register/details');
  });

  detailsRoute(router, deps, form);

  router.get('/register/status', async (ctx) => {
    const current = await deps.flows.current(ctx);
    const request = current?.flow.requestId ? await deps.requests.get(current.flow.requestId) : undefined;
    if (!request) return redirect(ctx, '/register');
    await deps.render(ctx, 'registration/status', {
      title: text('registration:status.title'),
      request,
      submitted: formatDate(localeOf(ctx), request.submittedAt),
      siteName: deps.sites.get(request.siteId)?.config.displayName ?? request.siteId,
    });
  });
}
