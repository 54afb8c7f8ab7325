import type { OneTimeCodes } from '../one-time-codes.ts';
import type { PhoneNumber } from './devices.ts';
import type { PhoneNumbers } from './phone-numbers.ts';

export type PhoneChannel = 'sms' | 'call';

export type SendOutcome =
  | { status: 'sent' }
  | { status: 'cooldown' }
  | { status: 'rate_limited'; scope: 'number' | 'account' | 'ip' }
  | { status: 'country_not_allowed' }
  | { status: 'failed'; reason: string };

export type CodeCheck = { status: 'ok'; channel: PhoneChannel } | { status: 'invalid' } | { status: 'expired' } | { status: 'too_many_attempts' };

/**
 * Second-factor codes by text message and voice call, for one flow
 * (`bindTo`: the sign-in interaction, the enrollment, the portal's recovery
 * flow) and one number. The one-time-code service owns the code itself
 * (hash, lifetime, attempts, single use, send limits); this adds what is
 * particular to phones: the country allow-list (SMS pumping), and the MFA
 * pages' reading of a last wrong entry as "too many".
 */
export function createPhoneCodes(deps: { codes: OneTimeCodes; phoneNumbers: PhoneNumbers }) {
  const binding = (bindTo: string) => ({ purpose: 'mfa' as const, flow: bindTo });

  async function send(input: {
    bindTo: string;
    accountId: string;
    ip: string;
    phone: PhoneNumber;
    channel: PhoneChannel;
    siteName: string;
    locale?: string;
  }): Promise<SendOutcome> {
    if (!deps.phoneNumbers.mayReceive(input.phone)) return { status: 'country_not_allowed' };
    const outcome = await deps.codes.send(binding(input.bindTo), {
      channel: input.channel,
      to: input.phone.e164,
      accountId: input.accountId,
      ip: input.ip,
      siteName: input.siteName,
      locale: input.locale,
    });
    return outcome.status === 'rate_limited' ? { status: 'rate_limited', scope: outcome.scope === 'target' ? 'number' : outcome.scope } : outcome;
  }

  async function verify(input: { bindTo: string; phone: PhoneNumber; code: string }): Promise<CodeCheck> {
    const outcome = await deps.codes.check(binding(input.bindTo), { code: input.code, to: input.phone.e164 });
    switch (outcome.status) {
      case 'ok':
        return { status: 'ok', channel: outcome.channel === 'call' ? 'call' : 'sms' };
      case 'invalid':
        return outcome.attemptsLeft > 0 ? { status: 'invalid' } : { status: 'too_many_attempts' };
      default:
        return outcome;
    }
  }

  return { send, verify };
}

export type PhoneCodes = ReturnType<typeof createPhoneCodes>;
