import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import { guard } from '../../http/route-input.ts';
// amr values that prove a second factor was used; `mfa` alone may come from a trusted browser, so it is not one.
import { SECOND_FACTOR_AMR } from '../../kit/mfa-method.ts';
import { createSecretBox } from '../../lib/secret-box.ts';
import type { MfaSubject } from '../../services/mfa/device-management.ts';
import type { MfaService } from '../../services/mfa/mfa-service.ts';
import type { FlowDeps, SignInStep } from '../deps.ts';
import { upstreamMfaSatisfied } from '../federated/upstream-mfa.ts';
import type { SignInState } from '../sign-in-state.ts';
import { keyRegistrationOptions } from './enroll-key.ts';
import { firstPage } from './first-page.ts';
import { MFA_PAGES } from './pages.ts';
import { MFA_STEP, type MfaProgress, readProgress } from './progress.ts';
import { loadMfaRequest, type MfaDeps, type MfaRequest } from './request.ts';
import { asksForDeviceManagement, asksForMfa } from './step-up.ts';
import { createTrustCookie } from './trust-cookie.ts';
import { keyAuthenticationOptions } from './verify-pages.ts';

/**
 * The sign-in's MFA step: enrollment when the user has no device (and the
 * site requires one, or the application asked for the MFA level), the
 * verification page otherwise, skipped on a trusted browser unless the
 * application asked for MFA. As a login check it also stops an existing
 * session that does not satisfy it (MFA reset, trust revoked, step-up).
 */
export function mfaStep({ mfa, issuer, masterSecret }: { mfa: MfaService; issuer: string; masterSecret: string }): SignInStep {
  const trustCookie = createTrustCookie({ issuer });
  const mfaDeps: MfaDeps = { mfa, trustCookie, box: createSecretBox(masterSecret, 'mfa-wizard') };
  // The provider is built after the steps (its policy needs them); the routes hand it over.
  const mounted: { deps?: FlowDeps } = {};

  async function requestParams(ctx: Context): Promise<Record<string, unknown>> {
    if (!mounted.deps) return {};
    return (await mounted.deps.provider.interactionDetails(ctx.req, ctx.res)).params;
  }

  const trusted = async (ctx: Context, who: MfaSubject) =>
    who.policy.trustBrowserDays > 0 && mfa.trustedBrowsers.isTrusted(who.accountId, trustCookie.read(ctx));

  return {
    name: MFA_STEP,
    abandon,

    async isNeeded(ctx, state) {
      // Done in this sign-in, or (a site with trustUpstreamMfa) proved at Entra: see federated/upstream-mfa.ts.
      if (readProgress(state)?.done || upstreamMfaSatisfied(state)) return false;
      const who = await mfa.subject(state.accountId);
      if (!who) return false;
      const params = await requestParams(ctx);
      // The portal's "Manage devices": always through the step, to My Settings & Devices (or the enrollment).
      if (asksForDeviceManagement(params)) return true;
      const stepUp = asksForMfa(params);
      if (!(await mfa.hasAnyFactor(who))) return who.policy.required || stepUp;
      if (!stepUp && (await trusted(ctx, who))) {
        // Only the second factor is skipped. amr says what was done: `mfa` only where the site's policy says a trusted browser counts.
        if (who.policy.trustedBrowserCountsAsMfa) state.amr.push('mfa');
        mfa.audit(ctx, who, 'mfa_trusted_browser', 'used');
        return false;
      }
      return true;
    },

    async sessionSatisfies(accountId, session, request) {
      const who = await mfa.subject(accountId);
      if (!who) return true;
      const {
        devices,
        settings: { resetAt },
      } = await mfa.devices.overview(accountId);
      const beforeReset = resetAt !== undefined && (session.loginTs ?? 0) * 1000 < resetAt;
      // A site that trusts Entra's MFA: the session's upstream `mfa` stands for admit's factor (see federated/upstream-mfa.ts).
      if (!beforeReset && upstreamMfaSatisfied({ amr: session.amr ?? [] })) return true;
      const factorProved = !beforeReset && (session.amr ?? []).some((method) => SECOND_FACTOR_AMR.has(method));
      if (asksForMfa(request.params)) return factorProved;
      if (!mfa.anyFactorIn(who, devices)) return !who.policy.required;
      if (factorProved || (await trusted(request.ctx, who))) return true;
      // Duo let this sign-in through without a factor (unreachable on a fail-open site, or a device Duo remembers).
      return !beforeReset && mfa.duo.enabled(who) && mfa.duo.passedWithoutFactor(accountId, session.loginTs);
    },

    routes(router: Router, deps: FlowDeps) {
      mounted.deps = deps;
      const form = bodyParser({ enableTypes: ['form'], formLimit: '32kb' });
      const noStore = async (ctx: Context, next: () => Promise<unknown>) => {
        ctx.set('cache-control', 'no-store');
        await next();
      };
      const base = `/${MFA_STEP}`;

      router.get(base, noStore, async (ctx) => {
        const request = await loadMfaRequest(deps, mfaDeps, ctx, (who, uid, params) => firstPage(who, mfa, ctx, `signin:${uid}`, params));
        if (request.isNew) await request.save(request.progress);
        ctx.status = 303;
        ctx.redirect(request.url(request.progress.page));
      });

      // Only the current page answers; any other page, GET or POST, sends the browser to it.
      // A page opened before the step began (a bookmark, a stale tab) gets the placeholder, never saved: the step starts at /mfa.
      const placeholder = async (): Promise<MfaProgress> => ({ page: 'start', trust: true, firstEnrollment: false });
      for (const page of MFA_PAGES) {
        router.get(`${base}/${page.name}`, noStore, async (ctx) => {
          const request = await loadMfaRequest(deps, mfaDeps, ctx, placeholder);
          if (request.isNew || request.progress.page !== page.name) return toCurrentPage(ctx, request);
          const flash = request.progress.flash;
          if (flash) {
            // Shown once: a reload shows the page as it is now.
            await request.save({ ...request.progress, flash: undefined });
            request.body = flash.fields ?? {};
          }
          await page.show(request, flash);
        });
        // The page's declared form, read before its handler; a refused one is answered by the page, once it is the current one.
        const declared = page.input;
        const input =
          declared &&
          guard({
            body: declared.body,
            invalid: async (ctx, refusal) => {
              const request = await loadMfaRequest(deps, mfaDeps, ctx, placeholder);
              if (request.isNew || request.progress.page !== page.name) return toCurrentPage(ctx, request);
              await declared.refused(request, refusal);
            },
          });
        router.post(`${base}/${page.name}`, noStore, form, deps.csrf.verify, ...(input ? [input] : []), async (ctx) => {
          const request = await loadMfaRequest(deps, mfaDeps, ctx, placeholder);
          if (request.isNew || request.progress.page !== page.name) return toCurrentPage(ctx, request);
          await page.submit(request, input?.input(ctx).body);
        });
      }

      router.post(`${base}/key/options`, noStore, form, deps.csrf.verify, async (ctx) => keyRegistrationOptions(await onPage(deps, ctx, 'key')));
      router.post(`${base}/key-verify/options`, noStore, form, deps.csrf.verify, async (ctx) =>
        keyAuthenticationOptions(await onPage(deps, ctx, 'key-verify')),
      );
    },
  };

  /** Cancel: a device saved in this sign-in whose setup did not finish (a phone before its app step) does not count. */
  async function abandon(ctx: Context, state: SignInState): Promise<void> {
    const progress = readProgress(state);
    if (!progress?.unfinished?.length || !state.accountId) return;
    const who = await mfa.subject(state.accountId);
    if (who) for (const deviceId of progress.unfinished) await mfa.manage.abandon(ctx, who, deviceId);
  }

  /** The options fetch of a security-key page (JSON), refused unless the sign-in is on that page. */
  async function onPage(deps: FlowDeps, ctx: Context, page: MfaProgress['page']): Promise<MfaRequest> {
    const request = await loadMfaRequest(deps, mfaDeps, ctx);
    if (request.progress.page !== page) throw new AppError('mfa_out_of_turn', 409);
    return request;
  }
}

/** The wizard's current page (or the step's start, before it began), by a redirect. */
function toCurrentPage(ctx: Context, request: MfaRequest): void {
  ctx.status = 303;
  ctx.redirect(request.isNew ? request.url() : request.url(request.progress.page));
}
