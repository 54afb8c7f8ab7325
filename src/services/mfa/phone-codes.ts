import { storeKey, type Store } from '../../store/port.ts';
import type { Notifier } from '../../kit/notifier.ts';
import type { Throttle } from '../throttle.ts';
import type { SmsSettings } from './settings-schema.ts';
import type { PhoneNumber } from './devices.ts';
import type { PhoneNumbers } from './phone-numbers.ts';
import { newSixDigitCode, type CodeHasher } from './one-time-code.ts';

export type PhoneChannel = 'sms' | 'call';

export type SendOutcome =
  | { status: 'sent' }
  | { status: 'cooldown' }
  | { status: 'rate_limited'; scope: 'number' | 'account' | 'ip' }
  | { status: 'country_not_allowed' }
  | { status: 'failed'; reason: string };

export type CodeCheck = { status: 'ok'; channel: PhoneChannel } | { status: 'invalid' } | { status: 'expired' } | { status: 'too_many_attempts' };

interface SentCode {
  hash: string;
  to: string;
  channel: PhoneChannel;
}

const HOUR = 3600;

/**
 * Codes by text message and voice call: 6 digits, valid for at most ten
 * minutes, for one flow (`bindTo`, e.g. the sign-in interaction) and one
 * number, used once, burnt after `maxAttempts` wrong entries. Sending is
 * limited per number, account and IP, with a cooldown between sends and a
 * country allow-list, because every text costs money (SMS pumping).
 */
export function createPhoneCodes(deps: { store: Store; throttle: Throttle; notifier: Notifier; settings: SmsSettings; phoneNumbers: PhoneNumbers; hasher: CodeHasher }) {
  const { store, throttle, settings } = deps;
  const codeKey = (bindTo: string) => storeKey('mfa-code', bindTo);
  const attemptsKey = (bindTo: string) => storeKey('mfa-code', bindTo, 'attempts');
  const cooldownKey = (bindTo: string) => storeKey('mfa-code', bindTo, 'cooldown');

  async function send(input: { bindTo: string; accountId: string; ip: string; phone: PhoneNumber; channel: PhoneChannel; siteName: string }): Promise<SendOutcome> {
    const { bindTo, phone, channel } = input;
    if (!deps.phoneNumbers.mayReceive(phone)) return { status: 'country_not_allowed' };
    if (settings.resendCooldownSeconds > 0 && !(await store.setIfAbsent(cooldownKey(bindTo), '1', { ttlSeconds: settings.resendCooldownSeconds }))) {
      return { status: 'cooldown' };
    }
    // Counted before sending, so parallel requests cannot all slip under a limit.
    const [perNumber, perAccount, perIp] = await Promise.all([
      throttle.hit(`sms-number:${phone.e164}`, HOUR),
      throttle.hit(`sms-account:${input.accountId}`, HOUR),
      throttle.hit(`sms-ip:${input.ip}`, HOUR),
    ]);
    if (perNumber > settings.perNumberPerHour) return { status: 'rate_limited', scope: 'number' };
    if (perAccount > settings.perAccountPerHour) return { status: 'rate_limited', scope: 'account' };
    if (perIp > settings.perIpPerHour) return { status: 'rate_limited', scope: 'ip' };

    const code = newSixDigitCode();
    const record: SentCode = { hash: deps.hasher.hash(bindTo, phone.e164, code), to: phone.e164, channel };
    await store.set(codeKey(bindTo), JSON.stringify(record), { ttlSeconds: settings.codeTtlSeconds });
    await store.delete(attemptsKey(bindTo));
    const outcome = await deps.notifier.send({ to: phone.e164, channel: channel === 'sms' ? 'sms' : 'voice', text: messageText(channel, code, input.siteName, settings.codeTtlSeconds) });
    if (outcome.status === 'sent') return { status: 'sent' };
    await store.delete(codeKey(bindTo), cooldownKey(bindTo));
    return { status: 'failed', reason: outcome.reason };
  }

  async function verify(input: { bindTo: string; phone: PhoneNumber; code: string }): Promise<CodeCheck> {
    const { bindTo } = input;
    const attempts = await store.increment(attemptsKey(bindTo), settings.codeTtlSeconds);
    if (attempts > settings.maxAttempts) {
      await store.delete(codeKey(bindTo));
      return { status: 'too_many_attempts' };
    }
    const raw = await store.get(codeKey(bindTo));
    if (raw === undefined) return { status: 'expired' };
    const record = JSON.parse(raw) as SentCode;
    if (record.to !== input.phone.e164 || !deps.hasher.matches(record.hash, bindTo, input.phone.e164, input.code)) {
      if (attempts < settings.maxAttempts) return { status: 'invalid' };
      await store.delete(codeKey(bindTo));
      return { status: 'too_many_attempts' };
    }
    // One use: of parallel correct entries, only the one that takes the record wins.
    const taken = await store.take(codeKey(bindTo));
    if (taken !== raw) return { status: 'expired' };
    await store.delete(attemptsKey(bindTo));
    return { status: 'ok', channel: record.channel };
  }

  return { send, verify };
}

export type PhoneCodes = ReturnType<typeof createPhoneCodes>;

function messageText(channel: PhoneChannel, code: string, siteName: string, ttlSeconds: number): string {
  const minutes = Math.round(ttlSeconds / 60);
  if (channel === 'sms') return `Your ${siteName} verification code is ${code}. It expires in ${minutes} minutes. Do not share it with anyone.`;
  const spoken = code.split('').join(', ');
  return `Hello. This is ${siteName}. Your verification code is ${spoken}. Once again, your code is ${spoken}.`;
}
