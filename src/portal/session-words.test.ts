import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { MfaMethod } from '../kit/mfa-method.ts';
import { browserInWords, factorsInWords, timeInWords } from './session-words.ts';

// The registry's order as the composition root registers it: the authenticator app before recovery codes (both claim `otp`).
const methods = [
  { id: 'sms', label: 'Text message', amr: 'sms' },
  { id: 'call', label: 'Phone call', amr: 'tel' },
  { id: 'totp', label: 'Authenticator app', amr: 'otp' },
  { id: 'webauthn', label: 'Security key', amr: 'hwk' },
  { id: 'recovery', label: 'Recovery code', amr: 'otp' },
] as unknown as MfaMethod[];

describe('Sessions & Devices in words', () => {
  it('names the browser and system from the User-Agent (bowser)', () => {
    assert.equal(
      browserInWords('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36')?.label,
      'Chrome on Linux',
    );
    assert.equal(
      browserInWords('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1')
        ?.label,
      'Safari on iOS',
    );
    assert.equal(
      browserInWords('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0')?.label,
      'Microsoft Edge on Windows',
    );
    assert.equal(browserInWords(undefined), undefined);
  });

  it("says how the person signed in with the MFA methods' own labels", () => {
    assert.equal(factorsInWords(['pwd', 'otp', 'mfa'], methods), 'Password + authenticator app');
    assert.equal(factorsInWords(['pwd', 'sms', 'mfa'], methods), 'Password + text message');
    assert.equal(factorsInWords(['pwd', 'tel', 'mfa'], methods), 'Password + phone call');
    assert.equal(factorsInWords(['pwd', 'hwk', 'mfa'], methods), 'Password + security key');
    assert.equal(factorsInWords(['pwd', 'swk', 'mfa'], methods), 'Password + passkey');
    assert.equal(factorsInWords(['pwd'], methods), 'Password');
    assert.equal(factorsInWords(['pwd', 'mfa'], methods), 'Password + trusted browser');
    assert.equal(factorsInWords(['fed'], methods), 'Microsoft account');
    assert.equal(factorsInWords(['fed', 'pwd', 'mfa'], methods), "Microsoft account + Microsoft's two-step verification");
    assert.equal(factorsInWords(['fed', 'otp', 'mfa'], methods), 'Microsoft account + authenticator app');
    assert.equal(factorsInWords([], methods), 'Signed in');
  });

  it('says when in words', () => {
    const now = Date.UTC(2026, 2, 14, 15, 0);
    assert.equal(timeInWords(Date.UTC(2026, 2, 14, 10, 42) / 1000, now), 'Today 10:42 UTC');
    assert.equal(timeInWords(Date.UTC(2026, 2, 13, 18, 5) / 1000, now), 'Yesterday 18:05 UTC');
    assert.equal(timeInWords(Date.UTC(2025, 2, 3, 9, 15) / 1000, now), '3 Mar 2025 09:15 UTC');
  });
});
