import type { Context } from 'koa';
import type { MessageCode } from '../../errors/messages.ts';
import { localeOf } from '../../i18n/middleware.ts';
import type { DirectoryIdentity } from '../../kit/connector.ts';
import type { Account, AccountService } from '../accounts.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { InvitationCookie } from '../invitations/invitation-cookie.ts';
import type { InvitationService } from '../invitations/invitations.ts';
import type { SiteDirectory } from '../sites.ts';

export interface AdmissionInput {
  siteId: string;
  directoryKind: string;
  /** Who the directory (or Microsoft) says signed in, after the first factor passed. */
  identity: DirectoryIdentity;
}

export type AdmissionOutcome = { status: 'ok'; account: Account } | { status: 'refused'; code: MessageCode };

/** The message for an account that may not sign in, or undefined when it may. */
export function refusalOf(account: Account | undefined): MessageCode | undefined {
  switch (account?.status) {
    case 'active':
      return undefined;
    case 'pending_approval':
      return 'approval_pending';
    case 'denied':
      return 'approval_denied';
    default:
      return 'account_disabled';
  }
}

const redeemRefusals: Record<'invalid' | 'expired' | 'used' | 'email_mismatch', MessageCode> = {
  invalid: 'invitation_invalid',
  expired: 'invitation_expired',
  used: 'invitation_used',
  email_mismatch: 'invitation_email_mismatch',
};

/**
 * The approval gate at sign-in, for every connector: after the first factor,
 * which account is this, and may it go on? An accepted invitation carried in
 * the browser is redeemed (binding this identity to a new account); a known
 * identity must be active; an unknown one gets an account only where the
 * site's sign-up mode is `open`.
 */
export function createAdmission(deps: {
  accounts: AccountService;
  sites: SiteDirectory;
  invitations: InvitationService;
  invitationCookie: InvitationCookie;
  audit: AuditLog;
}) {
  async function resolve(ctx: Context, input: AdmissionInput): Promise<AdmissionOutcome> {
    const refuse = (code: MessageCode): AdmissionOutcome => {
      void deps.audit.record(ctx, { action: 'sign_in.admission', outcome: code, site: input.siteId, username: input.identity.username });
      return { status: 'refused', code };
    };

    const token = deps.invitationCookie.read(ctx);
    const pending = token ? await deps.invitations.check(token) : undefined;
    // An invitation for another site waits for a sign-in to that site.
    if (token && (pending?.invitation?.siteId === input.siteId || pending?.status === 'invalid')) {
      deps.invitationCookie.clear(ctx);
      const redeemed = await deps.invitations.redeem(token, input);
      if (redeemed.status !== 'ok') return refuse(redeemRefusals[redeemed.status]);
      void deps.audit.record(ctx, {
        action: 'invitation.redeem',
        outcome: 'ok',
        site: input.siteId,
        username: redeemed.account.username,
        accountId: redeemed.account.id,
        detail: { invitation: redeemed.invitation.id, email: redeemed.invitation.email },
      });
      const refusal = refusalOf(redeemed.account);
      return refusal ? refuse(refusal) : { status: 'ok', account: await deps.accounts.rememberLocale(redeemed.account, localeOf(ctx)) };
    }

    const linked = await deps.accounts.findLinked(input.siteId, input.directoryKind, input.identity.externalId);
    const mode = deps.sites.get(input.siteId)?.config.signUp.mode ?? 'open';
    if (!linked && mode !== 'open') return refuse('not_registered');
    const account = await deps.accounts.linkOrCreate(input.siteId, input.directoryKind, input.identity, {}, linked);
    const refusal = refusalOf(account);
    // The language of this sign-in becomes the person's preference (emails sent without them, the locale claim).
    return refusal ? refuse(refusal) : { status: 'ok', account: await deps.accounts.rememberLocale(account, localeOf(ctx)) };
  }

  return { resolve };
}

export type Admission = ReturnType<typeof createAdmission>;
