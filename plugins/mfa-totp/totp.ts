import * as OTPAuth from 'otpauth';
import type { TotpAlgorithm } from '../../src/kit/index.ts';

const PERIOD = 30;
const DIGITS = 6;

/**
 * TOTP (RFC 6238) with the parameters every authenticator app supports:
 * SHA-1, 6 digits, 30-second steps, ±1 step of clock drift. `otpauth`'s
 * validate accepts the same code again, so this returns the matched step
 * and the MFA service refuses a step it has already accepted.
 */
export function createTotp(): TotpAlgorithm {
  return {
    newSecret: () => new OTPAuth.Secret({ size: 20 }).base32,
    uri: ({ secret, issuer, account }) =>
      new OTPAuth.TOTP({
        issuer,
        label: account,
        secret: OTPAuth.Secret.fromBase32(secret),
        algorithm: 'SHA1',
        digits: DIGITS,
        period: PERIOD,
      }).toString(),
    matchStep({ secret, code, now = Date.now() }) {
      if (!/^\d{6}$/.test(code)) return undefined;
      const delta = OTPAuth.TOTP.validate({
        token: code,
        secret: OTPAuth.Secret.fromBase32(secret),
        algorithm: 'SHA1',
        digits: DIGITS,
        period: PERIOD,
        timestamp: now,
        window: 1,
      });
      return delta === null ? undefined : OTPAuth.TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
    },
  };
}

/** The code an app shows at `now` (tests and the documentation use it). */
export function totpCode(secret: string, now = Date.now()): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD, timestamp: now });
}
