import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createSecretBox } from './secret-box.ts';

describe('secret box', () => {
  it('round-trips, uses a fresh IV each time, and refuses another key, another purpose or tampering', () => {
    const box = createSecretBox('m'.repeat(40), 'signing-keys');
    const sealed = box.seal('{"k":1}');
    assert.equal(box.open(sealed), '{"k":1}');
    assert.notEqual(box.seal('{"k":1}'), sealed);
    assert.doesNotMatch(sealed, /"k"/);
    assert.throws(() => createSecretBox('n'.repeat(40), 'signing-keys').open(sealed), /wrong master secret/);
    assert.throws(() => createSecretBox('m'.repeat(40), 'totp').open(sealed), /wrong master secret/);
    const parts = sealed.split('.');
    parts[2] = `${parts[2]!.slice(0, -2)}AA`;
    assert.throws(() => box.open(parts.join('.')), /damaged/);
  });

  it('refuses a truncated authentication tag, even one GCM would verify', () => {
    const box = createSecretBox('m'.repeat(40), 'signing-keys');
    const [version, iv, body, tag] = box.seal('{"k":1}').split('.');
    const full = Buffer.from(tag!, 'base64url');
    assert.equal(full.length, 16);
    for (const bytes of [4, 8, 12, 15]) {
      // The tag's first bytes are what a decipher told to expect a shorter tag would check, so these are valid truncations.
      const truncated = [version, iv, body, full.subarray(0, bytes).toString('base64url')].join('.');
      assert.throws(() => box.open(truncated), /damaged data \(authentication tag of \d+ bytes\)/, `${bytes}-byte tag`);
    }
    assert.throws(() => box.open([version, iv, body, Buffer.concat([full, Buffer.from([0])]).toString('base64url')].join('.')), /damaged/, 'a longer tag');
    assert.equal(box.open([version, iv, body, tag].join('.')), '{"k":1}');
  });
});
