import type { Context } from 'koa';
import { z } from 'zod';
import { messages, type MessageCode } from '../errors/messages.ts';
import type { ContactChannel, ContactVerification } from '../services/contact-verification.ts';
import type { PortalUser } from './portal-auth.ts';
import type { PortalDeps } from './deps.ts';

const profileForm = z.object({
  name: z.string({ error: 'field_required' }).trim().min(1, 'field_required').max(100, 'field_too_long'),
  email: z.string({ error: 'field_required' }).trim().max(254, 'field_too_long').pipe(z.email({ error: 'invalid_email' })),
  phone: z.string({ error: 'field_required' }).trim().max(32, 'field_too_long'),
});

const codeForm = z.object({ code: z.string({ error: 'wrong_code' }).trim().regex(/^\d{6}$/, 'wrong_code') });

type ProfileDeps = PortalDeps & { verification: ContactVerification };

/** "Self Update: Update your contact information". */
export async function showProfile(deps: ProfileDeps, ctx: Context, view: { status?: number; error?: MessageCode; values?: Record<string, string> } = {}) {
  const { account } = ctx.state.user as PortalUser;
  if (view.status) ctx.status = view.status;
  await deps.render(ctx, 'portal/profile', {
    title: 'Self Update',
    csrfToken: deps.csrf.token(ctx),
    values: view.values ?? { name: account.name ?? '', email: account.email ?? '', phone: account.phoneNumber ?? '' },
    error: view.error ? messages[view.error] : undefined,
  });
}

/**
 * Saves the name at once; a new email or phone number is only proposed:
 * it replaces the old one after the code sent to it is entered.
 */
export async function submitProfile(deps: ProfileDeps, ctx: Context): Promise<void> {
  const { account } = ctx.state.user as PortalUser;
  const body = (ctx.request.body ?? {}) as Record<string, string>;
  const parsed = profileForm.safeParse(body);
  const echo = { name: String(body.name ?? ''), email: String(body.email ?? ''), phone: String(body.phone ?? '') };
  if (!parsed.success) return showProfile(deps, ctx, { status: 400, error: parsed.error.issues[0]?.message as MessageCode, values: echo });
  const { name, email } = parsed.data;
  let phone: string | undefined;
  if (parsed.data.phone !== '') {
    // The MFA phone rules: a real number, in a country admit may text (SMS pumping).
    const number = deps.mfa.phoneNumbers.parse(deps.mfa.phoneNumbers.defaultCountry, parsed.data.phone);
    if (number.status !== 'ok') return showProfile(deps, ctx, { status: 400, error: number.status === 'country_not_allowed' ? 'mfa_phone_country_not_allowed' : 'invalid_phone', values: echo });
    phone = number.phone.e164;
  }

  const emailChanged = email.toLowerCase() !== (account.email ?? '').toLowerCase();
  const phoneChanged = phone !== undefined && phone !== account.phoneNumber;
  if (phoneChanged && !deps.verification.supports('sms')) return showProfile(deps, ctx, { status: 400, error: 'phone_verification_unavailable', values: echo });
  // Throttle code sending: each proposal sends a message to an address not yet proved.
  if ((emailChanged || phoneChanged) && (await deps.throttle.hit(`contact-code:${account.id}`, 3600)) > 10) {
    return showProfile(deps, ctx, { status: 429, error: 'too_many_attempts', values: echo });
  }

  if (name !== account.name) {
    const latest = (await deps.accounts.find(account.id)) ?? account;
    await deps.accounts.save({ ...latest, name, selfUpdated: { ...latest.selfUpdated, name } });
    deps.audit.record(ctx, { action: 'profile_update', outcome: 'name', accountId: account.id, site: account.siteId });
  }
  const next: ContactChannel | undefined = emailChanged ? 'email' : phoneChanged ? 'sms' : undefined;
  if (emailChanged) await deps.verification.start(account.id, 'email', email);
  if (phoneChanged && phone) await deps.verification.start(account.id, 'sms', phone);
  ctx.status = 303;
  ctx.redirect(next ? `/portal/profile/verify/${next}` : '/portal/profile?saved=1');
}

export async function showVerify(deps: ProfileDeps, ctx: Context, channel: ContactChannel, view: { status?: number; error?: MessageCode } = {}) {
  const { account } = ctx.state.user as PortalUser;
  const address = await deps.verification.pendingAddress(account.id, channel);
  if (!address) {
    ctx.status = 303;
    return ctx.redirect('/portal/profile');
  }
  if (view.status) ctx.status = view.status;
  await deps.render(ctx, 'portal/verify-contact', {
    title: 'Verify your new contact details',
    csrfToken: deps.csrf.token(ctx),
    channel,
    address,
    error: view.error ? messages[view.error] : undefined,
  });
}

export async function submitVerify(deps: ProfileDeps, ctx: Context, channel: ContactChannel): Promise<void> {
  const { account } = ctx.state.user as PortalUser;
  const parsed = codeForm.safeParse(ctx.request.body ?? {});
  if (!parsed.success) return showVerify(deps, ctx, channel, { status: 400, error: 'wrong_code' });
  const outcome = await deps.verification.verify(account.id, channel, parsed.data.code);
  deps.audit.record(ctx, { action: `verify_${channel}`, outcome: outcome.status, accountId: account.id, site: account.siteId });
  if (outcome.status === 'wrong_code') return showVerify(deps, ctx, channel, { status: 400, error: 'wrong_code' });
  if (outcome.status !== 'ok') return showProfile(deps, ctx, { status: 400, error: outcome.status === 'too_many_attempts' ? 'too_many_attempts' : 'code_expired' });

  const latest = (await deps.accounts.find(account.id)) ?? account;
  const previous = channel === 'email' ? latest.email : latest.phoneNumber;
  const updated = channel === 'email'
    ? { ...latest, email: outcome.address, emailVerified: true, selfUpdated: { ...latest.selfUpdated, email: outcome.address } }
    : { ...latest, phoneNumber: outcome.address, selfUpdated: { ...latest.selfUpdated, phoneNumber: outcome.address } };
  await deps.accounts.save(updated);
  // The old address hears of the change, so a hijacked session cannot move the account quietly.
  const tell = channel === 'email' ? previous : latest.email;
  if (tell) {
    await deps.mailer.notify({ to: tell, template: 'contact-changed', data: { name: latest.name ?? latest.username, what: channel === 'email' ? 'email address' : 'phone number', to: outcome.address } });
  }
  await deps.render(ctx, 'portal/done', { title: 'Contact details updated', heading: 'Contact details updated', message: `Your ${channel === 'email' ? 'email address' : 'phone number'} is now ${outcome.address}.` });
}
