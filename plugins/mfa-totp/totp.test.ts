import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createTotp, totpCode } from './totp.ts';

describe('TOTP (RFC 6238)', () => {
  const totp = createTotp();

  it('matches the RFC 6238 SHA-1 test vector', () => {
    // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits); 6 digits → 287082.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    assert.equal(totpCode(secret, 59_000), '287082');
    assert.equal(totp.matchStep({ secret, code: '287082', now: 59_000 }), 1);
  });

  it('accepts one step of drift either way and nothing further', () => {
    const secret = totp.newSecret();
    const now = 1_700_000_000_000;
    const step = Math.floor(now / 30_000);
    assert.equal(totp.matchStep({ secret, code: totpCode(secret, now - 30_000), now }), step - 1);
    assert.equal(totp.matchStep({ secret, code: totpCode(secret, now + 30_000), now }), step + 1);
    assert.equal(totp.matchStep({ secret, code: totpCode(secret, now - 60_000), now }), undefined);
    assert.equal(totp.matchStep({ secret, code: totpCode(secret, now + 60_000), now }), undefined);
  });

  it('refuses anything but six digits', () => {
    const secret = totp.newSecret();
    for (const code of ['', '12345', '1234567', 'abcdef', ' 123456']) assert.equal(totp.matchStep({ secret, code }), undefined);
  });

  it('builds an otpauth URI apps understand', () => {
    const uri = totp.uri({ secret: 'JBSWY3DPEHPK3PXP', issuer: 'Customer & Partner Center', account: 'bob' });
    assert.match(uri, /^otpauth:\/\/totp\/Customer%20%26%20Partner%20Center:bob\?/);
    assert.match(uri, /secret=JBSWY3DPEHPK3PXP/);
    assert.match(uri, /digits=6/);
    assert.match(uri, /period=30/);
  });
});
