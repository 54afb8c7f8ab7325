import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from './password-hash.ts';

describe('argon2id password hashing', () => {
  it('produces a PHC string with OWASP parameters and a random salt', async () => {
    const [a, b] = await Promise.all([hashPassword('Päss-wörd 1'), hashPassword('Päss-wörd 1')]);
    assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(a, b);
  });

  it('verifies the right password (Unicode, long) and refuses others and malformed hashes', async () => {
    const long = 'ü'.repeat(200);
    const hash = await hashPassword(long);
    assert.equal(await verifyPassword(long, hash), true);
    assert.equal(await verifyPassword('ü'.repeat(199), hash), false, 'no truncation');
    assert.equal(await verifyPassword('', hash), false);
    assert.equal(await verifyPassword(long, 'not-a-hash'), false);
    assert.equal(await verifyPassword(long, hash.replace('argon2id', 'argon2i')), false);
  });
});
