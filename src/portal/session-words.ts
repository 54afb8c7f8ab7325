import Bowser from 'bowser';
import { formatDateTime } from '../i18n/format.ts';
import type { Translate } from '../i18n/text.ts';
import type { MfaMethod } from '../kit/mfa-method.ts';

/**
 * Sessions & Devices in words: the browser and system a session began in
 * (bowser reads the User-Agent), how the person proved who they were, and
 * when, as people say it. English by default; given the page's `t` and
 * language, in that language (portal:words, the methods' mfa:method labels).
 */

/** English, for callers without a language (and the words' fallbacks). */
const ENGLISH: Translate = (key, vars) => {
  const words: Record<string, string> = {
    'portal:words.browserOn': `${vars?.browser} on ${vars?.system}`,
    'portal:words.aBrowser': 'A browser',
    'portal:words.unknownSystem': 'an unknown system',
    'portal:words.pwd': 'Password',
    'portal:words.fed': 'Microsoft account',
    'portal:words.passkey': 'passkey',
    'portal:words.upstreamMfa': "Microsoft's two-step verification",
    'portal:words.trusted': 'trusted browser',
    'portal:words.signedIn': 'Signed in',
    'portal:words.today': `Today ${vars?.time} UTC`,
    'portal:words.yesterday': `Yesterday ${vars?.time} UTC`,
  };
  return words[key] ?? String(vars?.defaultValue ?? key);
};

/** "Chrome on Linux", or undefined when the session's browser was not noted (sessions from before it was). */
export function browserInWords(userAgent: string | undefined, t: Translate = ENGLISH): { browser: string; system: string; label: string } | undefined {
  if (!userAgent) return undefined;
  const parsed = Bowser.getParser(userAgent);
  const browser = parsed.getBrowserName() || t('portal:words.aBrowser');
  const system = parsed.getOSName() || t('portal:words.unknownSystem');
  return { browser, system, label: t('portal:words.browserOn', { browser, system }) };
}

/** First-factor `amr` values admit records (flows/login: `pwd`; flows/federated/upstream-mfa.ts: `fed`). */
const FIRST_FACTORS: Readonly<Record<string, string>> = { pwd: 'portal:words.pwd', fed: 'portal:words.fed' };

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * "Password + authenticator app": the first factor, then each second
 * factor named by the MFA method that claims its `amr` (the registry's
 * labels, in the registry's order, so `otp` reads as the authenticator app
 * rather than a recovery code). `swk` is a synced passkey, which the
 * security-key method may claim instead of its own `hwk`. `mfa` alone after
 * the first factor is a trusted browser (or the upstream's MFA).
 */
export function factorsInWords(amr: readonly string[], methods: readonly MfaMethod[], t: Translate = ENGLISH): string {
  // A federated sign-in may carry the upstream's own `pwd`: the password was typed at Microsoft, not here.
  const words = amr.includes('fed')
    ? [t(FIRST_FACTORS.fed as string)]
    : amr.filter((value) => FIRST_FACTORS[value]).map((value) => t(FIRST_FACTORS[value] as string));
  const seconds = new Set<string>();
  for (const value of amr) {
    const method = methods.find((candidate) => candidate.amr === value);
    // As the second word of a phrase: "Password + authenticator app" (a language keeps its own capitals).
    if (method) seconds.add(t(`portal:words.method.${method.id}`, { defaultValue: lowerFirst(method.label) }));
    else if (value === 'swk') seconds.add(t('portal:words.passkey'));
  }
  words.push(...seconds);
  if (seconds.size === 0 && amr.includes('mfa')) words.push(t(amr.includes('fed') ? 'portal:words.upstreamMfa' : 'portal:words.trusted'));
  if (words.length === 0) return t('portal:words.signedIn');
  return words.map((word, index) => (index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word)).join(' + ');
}

const pad = (value: number) => String(value).padStart(2, '0');

/** "Today 10:42", "Yesterday 18:05", or "3 Mar 2025 09:15" (UTC: the server does not know the browser's time zone). */
export function timeInWords(epochSeconds: number, now = Date.now(), language?: { locale: string; t: Translate }): string {
  const when = new Date(epochSeconds * 1000);
  const time = `${pad(when.getUTCHours())}:${pad(when.getUTCMinutes())}`;
  const dayOf = (date: Date) => Math.floor(date.getTime() / 86_400_000);
  const days = dayOf(new Date(now)) - dayOf(when);
  const t = language?.t ?? ENGLISH;
  if (days === 0) return t('portal:words.today', { time });
  if (days === 1) return t('portal:words.yesterday', { time });
  if (language) return `${formatDateTime(language.locale, when, { day: 'numeric', month: 'short', year: 'numeric' })} ${time} UTC`;
  const month = formatDateTime('en-GB', when, { month: 'short' });
  return `${when.getUTCDate()} ${month} ${when.getUTCFullYear()} ${time} UTC`;
}
