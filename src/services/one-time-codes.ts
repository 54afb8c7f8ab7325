import { fileURLToPath } from 'node:url';
import { createLocalizer, DEFAULT_LOCALE, formatNumber, type Localizer, shippedLocaleOf } from '../i18n/index.ts';
import type { Notifier, NotifierMessage } from '../kit/notifier.ts';
import { type Store, storeKey } from '../store/port.ts';
import type { Mailer } from './mail/mailer.ts';
import { createCodeHasher, newSixDigitCode } from './mfa/one-time-code.ts';
import type { SmsSettings } from './mfa/settings-schema.ts';
import type { Outbox } from './outbox/outbox.ts';
import { maskNumber } from './outbox/outbox-model.ts';

/**
 * What a code is for. `mfa`: a second factor by text or call (sign-in,
 * enrollment, the portal's recovery proof; the flow names which). `contact`:
 * a new email address or phone number in Self Update. `registration`: the
 * email address of an access request.
 */
export type CodePurpose = 'mfa' | 'contact' | 'registration';
export type CodeChannel = 'sms' | 'call' | 'email';

/** The one flow a code may finish: a code for one purpose or flow never finishes another. */
export interface CodeBinding {
  purpose: CodePurpose;
  /** An interaction, a portal flow, a registration: whatever the caller's flow is, as a stable id. */
  flow: string;
}

export interface CodeRequest {
  channel: CodeChannel;
  /** An E.164 number, or an email address. */
  to: string;
  /** The account asking, when there is one (a registration has none yet). */
  accountId?: string;
  ip: string;
  /** The site's display name, for an email that names the site (registration); texts and calls name the product. */
  siteName: string;
  /** More for the email template (registration: the site's id). */
  mail?: Record<string, string>;
  /** The language of the text, call or email (a BCP 47 tag: the flow's); English without one. */
  locale?: string;
}

export type CodeSend =
  | { status: 'sent' }
  | { status: 'cooldown' }
  | { status: 'rate_limited'; scope: 'target' | 'account' | 'ip' }
  | { status: 'failed'; reason: string };

export type CodeCheck =
  | { status: 'ok'; to: string; channel: CodeChannel }
  /** Wrong code; at 0 attempts left the code is burnt. */
  | { status: 'invalid'; attemptsLeft: number }
  /** None was sent for this flow, it expired, or it was used. */
  | { status: 'expired' }
  | { status: 'too_many_attempts' };

/** How many codes may be sent, per target (number or address), account and client IP, in a fixed window. */
interface SendLimits {
  name: string;
  windowSeconds: number;
  perTarget: number;
  perAccount: number;
  perIp: number;
}

interface SentCode {
  hash: string;
  to: string;
  channel: CodeChannel;
}

/** The email each purpose sends (views/email/<template>.*.ejs). */
const EMAIL_TEMPLATES: Partial<Record<CodePurpose, string>> = { contact: 'contact-code', registration: 'email-code' };

/**
 * The name every code's text and call gives: the product, as the page header
 * and every email say it, never a site's display name (an admin's label such
 * as "Demo site (local directory)"), so the enrollment's, the sign-in's and
 * the portal's messages read the same. The code emails (views/email/
 * contact-code, email-code) say it in their text, as every email does, so a
 * message queued in the outbox renders whatever version delivers it.
 */
export const PRODUCT_NAME = 'Customer & Partner Center';

/** "5 minutes", "5 Minuten": the lifetime in a language, through Intl's unit formatting. */
export function lifetimeIn(locale: string, seconds: number): string {
  const minutes = seconds % 60 === 0;
  return formatNumber(locale, minutes ? seconds / 60 : seconds, { style: 'unit', unit: minutes ? 'minute' : 'second', unitDisplay: 'long' });
}

/** "5 minutes": the lifetime as every English message and page states it. */
export function lifetimeText(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} seconds`;
  const minutes = seconds / 60;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * Every code admit sends a person, and every check of one: by text, call or
 * email, for MFA, Self Update and registration. It owns what makes such a
 * code safe, so no flow has its own copy:
 *
 * - 6 digits from the CSPRNG, stored only as an HMAC under a key derived from
 *   the master secret, over the code, its purpose, flow and target: a copy
 *   of the store does not give the codes away, and a code proves only the
 *   flow and the number or address it was sent for;
 * - the configured lifetime (`sms.codeTtlSeconds`), stated in the message;
 * - `sms.maxAttempts` wrong entries burn it (counted before the comparison,
 *   so parallel guesses cannot slip under the limit);
 * - single use: the record is removed by one compare-and-delete of the exact
 *   record that was checked, so of parallel correct entries one wins, and a
 *   stale check never removes a newer code;
 * - send limits per target, per account and per client IP, counted before
 *   sending (refused sends count too), and a cooldown between two codes to
 *   one flow. Sending again replaces the flow's code and its attempts.
 */
export function createOneTimeCodes(deps: {
  store: Store;
  notifier: Notifier;
  mailer: Mailer;
  outbox?: Outbox;
  settings: SmsSettings;
  key: string;
  /** Writes texts and calls in the flow's language (`sms` namespace). */
  localizer?: Localizer;
}) {
  const { store, settings } = deps;
  const localizer = deps.localizer ?? createLocalizer(fileURLToPath(new URL('../../locales', import.meta.url)));
  const hasher = createCodeHasher(deps.key);
  const ttlSeconds = settings.codeTtlSeconds;
  const lifetime = lifetimeText(ttlSeconds);
  const hourly: SendLimits = {
    name: 'hourly',
    windowSeconds: 3600,
    perTarget: settings.perNumberPerHour,
    perAccount: settings.perAccountPerHour,
    perIp: settings.perIpPerHour,
  };
  // Registration: anyone may ask, with no account yet; a short window and a tight per-address limit.
  const limits: Record<CodePurpose, SendLimits> = {
    mfa: hourly,
    contact: hourly,
    registration: { name: 'registration', windowSeconds: 900, perTarget: 3, perAccount: Number.POSITIVE_INFINITY, perIp: 20 },
  };

  const tag = (binding: CodeBinding) => `${binding.purpose}:${binding.flow}`;
  const codeKey = (binding: CodeBinding) => storeKey('one-time-code', tag(binding));
  const attemptsKey = (binding: CodeBinding) => storeKey('one-time-code', tag(binding), 'attempts');
  const cooldownKey = (binding: CodeBinding) => storeKey('one-time-code', tag(binding), 'cooldown');
  const sentKey = (scope: string, value: string) => storeKey('one-time-code-sent', `${scope}:${value}`);
  // An address counts as one target whatever the case it is typed in.
  const counted = (channel: CodeChannel, to: string) => (channel === 'email' ? to.toLowerCase() : to);
  const hashOf = (binding: CodeBinding, to: string, code: string) => hasher.hash(binding.purpose, binding.flow, to, code);

  async function withinLimits(binding: CodeBinding, request: CodeRequest): Promise<CodeSend | undefined> {
    const policy = limits[binding.purpose];
    const window = policy.windowSeconds;
    const [perTarget, perAccount, perIp] = await Promise.all([
      store.increment(sentKey(`${policy.name}:target`, counted(request.channel, request.to)), window),
      request.accountId === undefined ? 0 : store.increment(sentKey(`${policy.name}:account`, request.accountId), window),
      store.increment(sentKey(`${policy.name}:ip`, request.ip), window),
    ]);
    if (perTarget > policy.perTarget) return { status: 'rate_limited', scope: 'target' };
    if (perAccount > policy.perAccount) return { status: 'rate_limited', scope: 'account' };
    if (perIp > policy.perIp) return { status: 'rate_limited', scope: 'ip' };
    return undefined;
  }

  /**
   * Through the outbox where the page only needs "sent" (email codes, and a
   * Self Update number's code): the request does not wait for the SMTP
   * server or the gateway, and a message not delivered within the code's
   * lifetime is dropped. A second factor at sign-in waits for the gateway's
   * answer, so a failure can offer another method at once.
   */
  async function deliver(binding: CodeBinding, request: CodeRequest, code: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const notAfter = new Date(Date.now() + ttlSeconds * 1000).toISOString();
    if (request.channel === 'email') {
      const template = EMAIL_TEMPLATES[binding.purpose];
      if (!template) return { ok: false, reason: `no email for ${binding.purpose} codes` };
      const locale = shippedLocaleOf(request.locale) ?? DEFAULT_LOCALE;
      const mail = { to: request.to, template, locale, data: { ...request.mail, code, siteName: request.siteName, lifetime: lifetimeIn(locale, ttlSeconds) } };
      try {
        if (deps.outbox) await deps.mailer.queue(mail, { notAfter });
        else await deps.mailer.send(mail);
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    }
    const message: NotifierMessage = {
      to: request.to,
      channel: request.channel === 'sms' ? 'sms' : 'voice',
      text: messageText(localizer, request, code, ttlSeconds),
    };
    if (deps.outbox && binding.purpose !== 'mfa') {
      try {
        await deps.outbox.enqueue([{ channel: message.channel, to: maskNumber(request.to), kind: `${binding.purpose} code`, payload: message, notAfter }]);
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    }
    const outcome = await deps.notifier.send(message);
    return outcome.status === 'sent' ? { ok: true } : { ok: false, reason: outcome.reason };
  }

  async function send(binding: CodeBinding, request: CodeRequest): Promise<CodeSend> {
    const { to } = request;
    if (settings.resendCooldownSeconds > 0 && !(await store.setIfAbsent(cooldownKey(binding), '1', { ttlSeconds: settings.resendCooldownSeconds }))) {
      return { status: 'cooldown' };
    }
    const refused = await withinLimits(binding, request);
    if (refused) return refused;

    const code = newSixDigitCode();
    const record: SentCode = { hash: hashOf(binding, to, code), to, channel: request.channel };
    await store.delete(attemptsKey(binding));
    await store.set(codeKey(binding), JSON.stringify(record), { ttlSeconds });
    const delivered = await deliver(binding, request, code);
    if (delivered.ok) return { status: 'sent' };
    await store.delete(codeKey(binding), cooldownKey(binding));
    return { status: 'failed', reason: delivered.reason };
  }

  /** Checks a typed code; `to`, when given, must be where the code was sent (the phone being proved). */
  async function check(binding: CodeBinding, input: { code: string; to?: string }): Promise<CodeCheck> {
    const attempts = await store.increment(attemptsKey(binding), ttlSeconds);
    if (attempts > settings.maxAttempts) return { status: 'too_many_attempts' };
    const raw = await store.get(codeKey(binding));
    if (raw === undefined) return { status: 'expired' };
    const record = JSON.parse(raw) as SentCode;
    const sameTarget = input.to === undefined || input.to === record.to;
    if (!sameTarget || !/^\d{6}$/.test(input.code) || !hasher.matches(record.hash, binding.purpose, binding.flow, record.to, input.code)) {
      const attemptsLeft = Math.max(0, settings.maxAttempts - attempts);
      if (attemptsLeft === 0) await store.compareAndDelete(codeKey(binding), raw);
      return { status: 'invalid', attemptsLeft };
    }
    // One use: only the entry that removes this very record wins.
    if (!(await store.compareAndDelete(codeKey(binding), raw))) return { status: 'expired' };
    await store.delete(attemptsKey(binding));
    return { status: 'ok', to: record.to, channel: record.channel };
  }

  /** Where the flow's code went, while it is still usable (the page says "We sent a code to …"). */
  async function pending(binding: CodeBinding): Promise<{ to: string; channel: CodeChannel } | undefined> {
    const raw = await store.get(codeKey(binding));
    if (raw === undefined) return undefined;
    const { to, channel } = JSON.parse(raw) as SentCode;
    return { to, channel };
  }

  /** Ends the flow's code (the flow was abandoned or finished another way). */
  const cancel = (binding: CodeBinding) => store.delete(codeKey(binding), attemptsKey(binding), cooldownKey(binding));

  return {
    send,
    check,
    pending,
    cancel,
    lifetime,
    lifetimeIn: (locale: string) => lifetimeIn(locale, ttlSeconds),
    ttlSeconds,
    maxAttempts: settings.maxAttempts,
  };
}

export type OneTimeCodes = ReturnType<typeof createOneTimeCodes>;

/** The text or the call's script, in the flow's language (locales/<language>/sms.json). */
function messageText(localizer: Localizer, request: CodeRequest, code: string, ttlSeconds: number): string {
  const locale = shippedLocaleOf(request.locale) ?? DEFAULT_LOCALE;
  const t = localizer.translator(locale);
  const lifetime = lifetimeIn(locale, ttlSeconds);
  if (request.channel === 'sms') return t('sms:text', { product: PRODUCT_NAME, code, lifetime });
  // Digits read one by one: a comma makes the voice pause between them.
  return t('sms:voice', { product: PRODUCT_NAME, spoken: code.split('').join(', '), lifetime });
}
