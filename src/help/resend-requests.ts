import type { Context } from 'koa';
import type { Translate } from '../i18n/index.ts';
import type { AuditLog } from '../services/audit/audit-log.ts';
import type { InviteRefusal } from '../services/invitations/invitations.ts';
import type { Mailer } from '../services/mail/mailer.ts';
import { createThrottle } from '../services/throttle.ts';
import type { Store } from '../store/port.ts';

/** Requests per client IP and per address (in one site) per hour; beyond them nothing is sent, and the page says the same. */
export const RESEND_LIMITS = { perIpPerHour: 10, perAddressPerHour: 3 } as const;
const HOUR = 3600;

export interface ResendRequestDeps {
  store: Store;
  mailer: Mailer;
  audit: AuditLog;
  issuer: string;
  /** The site's configured approvers and admins (services/approvals/access-requests.ts approversOf). */
  approversOf(siteId: string): Promise<string[]>;
  /** Why the address could not be invited now: already a member, already invited, or nothing (services/invitations). */
  refusalFor(siteId: string, email: string): Promise<InviteRefusal | undefined>;
  siteName(siteId: string): string;
  /** The admins' emails are in admit's default language (they are not the person who asked). */
  t: Translate;
}

export type ResendOutcome = 'sent' | 'throttled';

/**
 * "Contact … and request the email be resent" (seed 002): the request goes
 * to the site's admins and approvers, one email each, through the outbox;
 * they see what admit knows of the address and resend from the console.
 * The person is told the same whatever admit knows (the caller shows one
 * answer for every outcome): the same look-ups run whether or not an
 * invitation exists, and only the admins' email differs.
 */
export function createResendRequests(deps: ResendRequestDeps) {
  const throttle = createThrottle({ store: deps.store });

  async function request(ctx: Context, input: { siteId: string; email: string }): Promise<ResendOutcome> {
    const address = input.email.trim().toLowerCase();
    // The IP first: one client cannot spread requests over many addresses, nor flood one address's admins.
    if ((await throttle.hit(`help-resend:ip:${ctx.ip}`, HOUR)) > RESEND_LIMITS.perIpPerHour) return refused(ctx, input.siteId);
    if ((await throttle.hit(`help-resend:to:${input.siteId}:${address}`, HOUR)) > RESEND_LIMITS.perAddressPerHour) return refused(ctx, input.siteId);
    const [refusal, approvers] = await Promise.all([deps.refusalFor(input.siteId, address), deps.approversOf(input.siteId)]);
    const known = refusal === 'already_invited' ? 'invited' : refusal === 'already_member' ? 'member' : 'none';
    const { t } = deps;
    const vars = { site: input.siteId, siteName: deps.siteName(input.siteId), email: address };
    const data = {
      subject: t('help:adminEmail.subject', vars),
      intro: t('help:adminEmail.intro', vars),
      known: t(`help:adminEmail.known.${known}`, vars),
      action: t('help:adminEmail.action'),
      consoleUrl: `${deps.issuer}/admin/invitations`,
      note: t('help:adminEmail.note'),
    };
    for (const to of approvers) await deps.mailer.notify({ to, template: 'help-resend-request', data }, { siteId: input.siteId });
    deps.mailer.wake();
    await deps.audit.record(ctx, {
      action: 'invitation_resend_request',
      outcome: approvers.length > 0 ? 'sent' : 'no_admins',
      site: input.siteId,
      detail: { known },
    });
    return 'sent';
  }

  async function refused(ctx: Context, siteId: string): Promise<ResendOutcome> {
    await deps.audit.record(ctx, { action: 'invitation_resend_request', outcome: 'throttled', site: siteId });
    return 'throttled';
  }

  return { request };
}

export type ResendRequests = ReturnType<typeof createResendRequests>;
