import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Keygrip from 'keygrip';
import { describe, it } from 'vitest';
import { createCookieSigner } from './cookie-signer.ts';

describe('cookie signer', () => {
  const keys = [randomBytes(32).toString('base64url'), 'an older key', 'ünïcode key'];
  const signer = createCookieSigner(keys);
  const keygrip = new Keygrip(keys);
  const data = ['_interaction=abc123', 'name=', 'x=ü/+=', `session=${randomBytes(40).toString('base64')}`];

  it('signs exactly as Keygrip, so cookies signed before stay valid', () => {
    for (const item of data) assert.equal(signer.sign(item), keygrip.sign(item));
  });

  it('finds the key that signed, as Keygrip does', () => {
    for (const [position, key] of keys.entries()) {
      const digest = new Keygrip([key]).sign(data[0]);
      assert.equal(signer.index(data[0]!, digest), position);
      assert.equal(keygrip.index(data[0], digest), position);
      assert.equal(signer.verify(data[0]!, digest), true);
    }
  });

  it('refuses another digest, a digest of other data, a truncated or empty one', () => {
    const digest = signer.sign(data[0]!);
    for (const wrong of [new Keygrip(['not a key']).sign(data[0]), signer.sign(data[1]!), digest.slice(0, -1), '', `${digest}A`]) {
      assert.equal(signer.index(data[0]!, wrong), -1);
      assert.equal(signer.verify(data[0]!, wrong), false);
    }
  });

  it('needs a key', () => {
    assert.throws(() => createCookieSigner([]), /at least one key/);
  });
});
