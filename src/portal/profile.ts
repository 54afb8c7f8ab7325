import type { Context } from 'koa';
import { z } from 'zod';
import { type MessageCode, messageText } from '../errors/messages.ts';
import { guard } from '../http/route-input.ts';
import { localeOf } from '../i18n/middleware.ts';
import { text } from '../i18n/text.ts';
import type { CodeBinding, CodeSend } from '../services/one-time-codes.ts';
import type { PortalDeps } from './deps.ts';
import type { PortalUser } from './portal-auth.ts';

const profileForm = z.object({
  name: z.string({ error: 'field_required' }).trim().min(1, 'field_required').max(100, 'field_too_long'),
  email: z
    .string({ error: 'field_required' })
    .trim()
    .max(254, 'field_too_long')
    .pipe(z.email({ error: 'invalid_email' })),
  phone: z.string({ error: 'field_required' }).trim().max(32, 'field_too_long'),
});

const codeForm = z.object({
  code: z
    .string({ error: 'wrong_code' })
    .trim()
    .regex(/^\d{6}$/, 'wrong_code'),
});

type ProfileDeps = PortalDeps;
export type ContactChannel = 'email' | 'sms';

/** One pending change per account and channel: proposing again replaces the code. */
const codeFor = (accountId: string, channel: ContactChannel): CodeBinding => ({ purpose: 'contact', flow: `${accountId}:${channel}` });

/** Sends the code that proves a proposed address; the one-time-code service limits sends per address, account and IP. */
async function sendCode(deps: ProfileDeps, ctx: Context, account: PortalUser['account'], channel: ContactChannel, to: string): Promise<CodeSend> {
  const siteName = deps.sites.get(account.siteId)?.config.displayName ?? 'Customer & Partner Center';
  const sent = await deps.codes.send(codeFor(account.id, channel), { channel, to, accountId: account.id, ip: ctx.ip, siteName, locale: localeOf(ctx) });
  if (sent.status === 'failed') throw new Error(`the code could not be sent: ${sent.reason}`);
  return sent;
}

/** "Self Update: Update your contact information". */
export async function showProfile(deps: ProfileDeps, ctx: Context, view: { status?: number; error?: MessageCode; values?: Record<string, string> } = {}) {
  const { account } = ctx.state.user as PortalUser;
  if (view.status) ctx.status = view.status;
  await deps.render(ctx, 'portal/profile', {
    title: text('portal:nav.profile'),
    csrfToken: deps.csrf.token(ctx),
    values: view.values ?? { name: account.name ?? '', email: account.email ?? '', phone: account.phoneNumber ?? '' },
    error: view.error ? messageText(view.error) : undefined,
  });
}

/**
 * Saves the name at once; a new email or phone number is only proposed:
 * it replaces the old one after the code sent to it is entered. The form's
 * guard runs in front of the handler here because portal/routes.ts wires
 * each page as one (deps, ctx) function.
 */
export function submitProfile(deps: ProfileDeps, ctx: Context): Promise<void> {
  const input = guard({ body: profileForm, invalid: (ctx, refusal) => showProfile(deps, ctx, { status: 400, error: refusal.code, values: echoOf(ctx) }) });
  return input(ctx, () => saveProfile(deps, ctx, input.input(ctx).body)) as Promise<void>;
}

/** The form as typed, shown again with a refusal. */
function echoOf(ctx: Context) {
  const body = (ctx.request.body ?? {}) as Record<string, string>;
  return { name: String(body.name ?? ''), email: String(body.email ?? ''), phone: String(body.phone ?? '') };
}

async function saveProfile(deps: ProfileDeps, ctx: Context, form: z.infer<typeof profileForm>): Promise<void> {
  const { account } = ctx.state.user as PortalUser;
  const echo = echoOf(ctx);
  const { name, email } = form;
  let phone: string | undefined;
  if (form.phone !== '') {
    // The MFA phone rules: a real number, in a country admit may text (SMS pumping).
    const number = deps.mfa.phoneNumbers.parse(deps.mfa.phoneNumbers.defaultCountry, form.phone);
    if (number.status !== 'ok')
      return showProfile(deps, ctx, {
        status: 400,
        error: number.status === 'country_not_allowed' ? 'mfa_phone_country_not_allowed' : 'invalid_phone',
        values: echo,
      });
    phone = number.phone.e164;
  }

  const emailChanged = email.toLowerCase() !== (account.email ?? '').toLowerCase();
  const phoneChanged = phone !== undefined && phone !== account.phoneNumber;
  // Each proposal sends a message to an address not yet proved: sent first, so a refused send changes nothing.
  for (const [changed, channel, to] of [
    [emailChanged, 'email', email],
    [phoneChanged, 'sms', phone],
  ] as const) {
    if (!changed || !to) continue;
    const sent = await sendCode(deps, ctx, account, channel, to);
    if (sent.status !== 'sent')
      return showProfile(deps, ctx, { status: 429, error: sent.status === 'cooldown' ? 'mfa_send_cooldown' : 'too_many_requests', values: echo });
  }

  if (name !== account.name) {
    const latest = (await deps.accounts.find(account.id)) ?? account;
    await deps.accounts.save({ ...latest, name, selfUpdated: { ...latest.selfUpdated, name } });
    deps.audit.record(ctx, { action: 'profile_update', outcome: 'name', accountId: account.id, site: account.siteId });
  }
  const next: ContactChannel | undefined = emailChanged ? 'email' : phoneChanged ? 'sms' : undefined;
  ctx.status = 303;
  ctx.redirect(next ? `/portal/profile/verify/${next}` : '/portal/profile?saved=1');
}

/** The code's page; `address` is where the code went, when the caller already read it (a just-burnt code has no record left). */
export async function showVerify(
  deps: ProfileDeps,
  ctx: Context,
  channel: ContactChannel,
  view: { status?: number; error?: MessageCode; address?: string } = {},
) {
  const { account } = ctx.state.user as PortalUser;
  const address = view.address ?? (await deps.codes.pending(codeFor(account.id, channel)))?.to;
  if (!address) {
    ctx.status = 303;
    return ctx.redirect('/portal/profile');
  }
  if (view.status) ctx.status = view.status;
  // A new email and a new phone: two codes, entered one after the other (email first).
  const other = otherChannel(channel);
  const otherPending = (await deps.codes.pending(codeFor(account.id, other))) !== undefined;
  const updated = channel === 'sms' && ctx.query.updated === 'email' ? 'email' : undefined;
  await deps.render(ctx, 'portal/verify-contact', {
    title: text('portal:verify.title'),
    csrfToken: deps.csrf.token(ctx),
    channel,
    address: shown(deps, channel, address),
    next: otherPending ? other : undefined,
    updated,
    lifetime: deps.codes.lifetimeIn(localeOf(ctx)),
    error: view.error ? messageText(view.error) : undefined,
  });
}

/** A number as the person reads it: "(201) 555-0192" at home, E.164 for another country; an address as it is. */
function shown(deps: ProfileDeps, channel: ContactChannel, address: string): string {
  if (channel !== 'sms') return address;
  const parsed = deps.mfa.phoneNumbers.parse(deps.mfa.phoneNumbers.defaultCountry, address);
  return parsed.status === 'ok' && parsed.phone.country === deps.mfa.phoneNumbers.defaultCountry ? parsed.phone.national : address;
}

const otherChannel = (channel: ContactChannel): ContactChannel => (channel === 'email' ? 'sms' : 'email');
const what = (channel: ContactChannel) => (channel === 'email' ? 'email address' : 'phone number');

export function submitVerify(deps: ProfileDeps, ctx: Context, channel: ContactChannel): Promise<void> {
  const input = guard({ body: codeForm, invalid: (ctx) => showVerify(deps, ctx, channel, { status: 400, error: 'wrong_code' }) });
  return input(ctx, () => verify(deps, ctx, channel, input.input(ctx).body.code)) as Promise<void>;
}

async function verify(deps: ProfileDeps, ctx: Context, channel: ContactChannel, code: string): Promise<void> {
  const { account } = ctx.state.user as PortalUser;
  const pending = await deps.codes.pending(codeFor(account.id, channel));
  const outcome = await deps.codes.check(codeFor(account.id, channel), { code });
  deps.audit.record(ctx, {
    action: `verify_${channel}`,
    outcome: outcome.status === 'invalid' ? 'wrong_code' : outcome.status,
    accountId: account.id,
    site: account.siteId,
  });
  if (outcome.status === 'invalid') return showVerify(deps, ctx, channel, { status: 400, error: 'wrong_code', address: pending?.to });
  if (outcome.status !== 'ok')
    return showProfile(deps, ctx, { status: 400, error: outcome.status === 'too_many_attempts' ? 'too_many_attempts' : 'code_expired' });

  const latest = (await deps.accounts.find(account.id)) ?? account;
  const previous = channel === 'email' ? latest.email : latest.phoneNumber;
  const updated =
    channel === 'email'
      ? { ...latest, email: outcome.to, emailVerified: true, selfUpdated: { ...latest.selfUpdated, email: outcome.to } }
      : { ...latest, phoneNumber: outcome.to, selfUpdated: { ...latest.selfUpdated, phoneNumber: outcome.to } };
  await deps.accounts.save(updated);
  // The old address hears of the change, so a hijacked session cannot move the account quietly.
  const tell = channel === 'email' ? previous : latest.email;
  if (tell) {
    await deps.mailer.notify({
      to: tell,
      template: 'contact-changed',
      locale: localeOf(ctx),
      data: { name: latest.name ?? latest.username, what: what(channel), channel, to: outcome.to },
    });
  }
  // The other change of the same Save still waits for its code: that page is next.
  if (channel === 'email' && (await deps.codes.pending(codeFor(account.id, 'sms')))) {
    ctx.status = 303;
    return ctx.redirect('/portal/profile/verify/sms?updated=email');
  }
  const both = channel === 'sms' && ctx.query.updated === 'email' && updated.email;
  const message = both
    ? text('portal:profile.bothNow', { email: updated.email, phone: shown(deps, 'sms', outcome.to) })
    : text(channel === 'email' ? 'portal:profile.emailNow' : 'portal:profile.phoneNow', { value: shown(deps, channel, outcome.to) });
  await deps.render(ctx, 'portal/done', { title: text('portal:profile.updated'), heading: text('portal:profile.updated'), message });
}
