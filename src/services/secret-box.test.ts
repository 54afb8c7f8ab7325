import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
});
