import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { guard } from '../../http/route-input.ts';
import { text } from '../../i18n/text.ts';
import type { FederatedConnector, FederatedOutcome } from '../../kit/connector.ts';
import type { Site } from '../../services/sites.ts';
import type { FlowDeps } from '../deps.ts';
import { browserBinding } from './browser-binding.ts';
import { renderRefused, renderTryAgain } from './pages.ts';
import { redirectUriOf } from './start.ts';

const param = z.string().max(4096).optional();
const callbackQuery = z.object({ code: param, state: param, error: param, error_description: param, error_subcode: param });

/** What the callback leaves in the interaction for the finish step (interaction `result.federated`). */
export interface PendingFederated {
  siteId: string;
  kind: string;
  outcome: Extract<FederatedOutcome, { status: 'ok' | 'cancelled' | 'upstream_error' }>;
}

/** Reasons that mean "this round trip is not yours or not live", as opposed to a bad answer from Microsoft. */
const NOT_THIS_TRIP = /^(unknown_state|missing_state|other_browser|wrong_site)/;

/**
 * GET /federated/:kind/:site/callback: Microsoft sends the browser back here
 * (the redirect URI is fixed, so it cannot carry the interaction). The
 * connector checks state, browser binding, site, code, nonce and the ID
 * token; a good answer is put into the interaction it was started from and
 * the browser goes on to /interaction/:uid/federated/finish, where the
 * interaction cookie proves it is the same sign-in.
 */
export async function handleCallback(deps: FlowDeps, ctx: Context): Promise<void> {
  const { kind, site: siteId } = ctx.params as { kind: string; site: string };
  const site = deps.sites.get(siteId);
  if (!site?.federated || site.federated.kind !== kind) throw new AppError('not_found', 404);
  // The query's guard answers after the site check, so an unknown site is "not found" whatever it was sent (a bad query: 400 invalid_form).
  const input = guard({ query: callbackQuery });
  const federated = site.federated;
  return input(ctx, () => complete(deps, ctx, { kind, siteId, site, federated, query: input.input(ctx).query })) as Promise<void>;
}

interface Arrival {
  kind: string;
  siteId: string;
  site: Site;
  federated: FederatedConnector;
  query: z.infer<typeof callbackQuery>;
}

async function complete(deps: FlowDeps, ctx: Context, { kind, siteId, site, federated, query }: Arrival): Promise<void> {
  // The lockout service's per-IP limit; the return has its own counter (the start counted once).
  if (!(await deps.lockout.ipAttempt({ siteId, ip: ctx.ip, step: 'callback' }))) throw new AppError('too_many_attempts', 429);

  const outcome = await federated.completeSignIn({
    redirectUri: redirectUriOf(deps, site),
    browserBinding: browserBinding.read(ctx) ?? '',
    callback: query,
  });
  const uid = outcome.context?.uid;
  deps.metrics.signIns.inc({ site: siteId, outcome: outcome.status === 'ok' ? 'federated_ok' : outcome.status });
  void deps.audit.record(ctx, {
    action: 'sign_in',
    outcome: `federated_${outcome.status}`,
    site: siteId,
    username: outcome.status === 'ok' ? outcome.identity.username : undefined,
    detail: detailOf(outcome),
  });

  switch (outcome.status) {
    case 'rejected':
      return renderRefused(deps, ctx, {
        heading: text('federated:refused.notAccepted'),
        status: 400,
        code: NOT_THIS_TRIP.test(outcome.reason) ? 'federated_state_unknown' : 'federated_rejected',
      });
    case 'unavailable':
      // The binding matched (checked before any call to Microsoft): this browser owns `uid`.
      return renderTryAgain(deps, ctx, { uid, siteId });
    default: {
      const interaction = uid ? await deps.provider.Interaction.find(uid) : undefined;
      if (!uid || !interaction) throw new AppError('interaction_expired', 400);
      const pending: PendingFederated = { siteId, kind, outcome };
      interaction.result = { ...interaction.lastSubmission, federated: pending };
      await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
      ctx.status = 303;
      ctx.redirect(`/interaction/${uid}/federated/finish`);
    }
  }
}

function detailOf(outcome: FederatedOutcome): Record<string, string> {
  switch (outcome.status) {
    case 'ok':
      return {
        externalId: outcome.identity.externalId,
        upstreamAmr: outcome.identity.upstreamAmr.join(' '),
        upstreamMfaTrusted: String(outcome.identity.upstreamMfaTrusted),
        ...(outcome.notes?.length ? { notes: outcome.notes.join(' ') } : {}),
      };
    case 'rejected':
    case 'unavailable':
      return { reason: outcome.reason.slice(0, 300) };
    case 'upstream_error':
      return { error: outcome.code, description: outcome.description.slice(0, 300) };
    case 'cancelled':
      return {};
  }
}
