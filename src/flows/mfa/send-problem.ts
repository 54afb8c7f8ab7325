import { text } from '../../i18n/text.ts';
import type { SendOutcome } from '../../services/mfa/phone-codes.ts';
import type { Problem } from './request.ts';

/** How a refused send is shown: never more than "wait" or "try another way". */
export function sendProblem(outcome: SendOutcome | { status: 'unavailable' }): Problem | undefined {
  switch (outcome.status) {
    case 'sent':
      return undefined;
    case 'cooldown':
      return { status: 429, error: 'mfa_send_cooldown' };
    case 'rate_limited':
      return { status: 429, error: 'mfa_send_limited' };
    case 'country_not_allowed':
      return { status: 400, error: 'mfa_phone_country_not_allowed' };
    case 'unavailable':
      return { status: 400, error: 'mfa_method_unavailable' };
    case 'failed':
      return { status: 502, error: 'mfa_send_failed' };
  }
}

/** The notice after a code went out. */
export const sentNotice = (channel: string, target: string) =>
  text(channel === 'call' ? 'mfa:sent.call' : channel === 'sms' ? 'mfa:sent.sms' : 'mfa:sent.other', { target });
