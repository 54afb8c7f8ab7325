import Bowser from 'bowser';
import type { MfaMethod } from '../kit/mfa-method.ts';

/**
 * Sessions & Devices in words: the browser and system a session began in
 * (bowser reads the User-Agent), how the person proved who they were, and
 * when, as people say it.
 */

/** "Chrome on Linux", or undefined when the session's browser was not noted (sessions from before it was). */
export function browserInWords(userAgent: string | undefined): { browser: string; system: string; label: string } | undefined {
  if (!userAgent) return undefined;
  const parsed = Bowser.getParser(userAgent);
  const browser = parsed.getBrowserName() || 'A browser';
  const system = parsed.getOSName() || 'an unknown system';
  return { browser, system, label: `${browser} on ${system}` };
}

/** First-factor `amr` values admit records (flows/login: `pwd`; flows/federated/upstream-mfa.ts: `fed`). */
const FIRST_FACTORS: Readonly<Record<string, string>> = { pwd: 'Password', fed: 'Microsoft account' };

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * "Password + authenticator app": the first factor, then each second
 * factor named by the MFA method that claims its `amr` (the registry's
 * labels, in the registry's order, so `otp` reads as the authenticator app
 * rather than a recovery code). `swk` is a synced passkey, which the
 * security-key method may claim instead of its own `hwk`. `mfa` alone after
 * the first factor is a trusted browser (or the upstream's MFA).
 */
export function factorsInWords(amr: readonly string[], methods: readonly MfaMethod[]): string {
  // A federated sign-in may carry the upstream's own `pwd`: the password was typed at Microsoft, not here.
  const words = amr.includes('fed')
    ? [FIRST_FACTORS.fed as string]
    : amr.filter((value) => FIRST_FACTORS[value]).map((value) => FIRST_FACTORS[value] as string);
  const seconds = new Set<string>();
  for (const value of amr) {
    const method = methods.find((candidate) => candidate.amr === value);
    if (method) seconds.add(lowerFirst(method.label));
    else if (value === 'swk') seconds.add('passkey');
  }
  words.push(...seconds);
  if (seconds.size === 0 && amr.includes('mfa')) words.push(amr.includes('fed') ? "Microsoft's two-step verification" : 'trusted browser');
  if (words.length === 0) return 'Signed in';
  return words.map((word, index) => (index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word)).join(' + ');
}

const pad = (value: number) => String(value).padStart(2, '0');

/** "Today 10:42", "Yesterday 18:05", or "3 Mar 2025 09:15" (UTC: the server does not know the browser's time zone). */
export function timeInWords(epochSeconds: number, now = Date.now()): string {
  const when = new Date(epochSeconds * 1000);
  const time = `${pad(when.getUTCHours())}:${pad(when.getUTCMinutes())}`;
  const dayOf = (date: Date) => Math.floor(date.getTime() / 86_400_000);
  const days = dayOf(new Date(now)) - dayOf(when);
  if (days === 0) return `Today ${time} UTC`;
  if (days === 1) return `Yesterday ${time} UTC`;
  const month = when.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
  return `${when.getUTCDate()} ${month} ${when.getUTCFullYear()} ${time} UTC`;
}
