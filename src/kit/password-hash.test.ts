import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ARGON2_PARAMETERS, hashParameters, hashPassword, makeDecoyHash, needsRehash, verifyPassword } from './password-hash.ts';

/**
 * Made by admit's hasher before @node-rs/argon2 (node:crypto's argon2, with the
 * PHC string written by hand, unpadded base64), kept as stored data.
 */
const STORED_BY_NODE_CRYPTO = {
  owasp: {
    password: '\u00dcn\u00efcode P\u00e4ssw\u00f6rd 1',
    phc: '$argon2id$v=19$m=19456,t=2,p=1$RDhVd3mBIbCzJ8If+nPkMA$7b+AmSmwmpokK3h3opfalz8yFnnOone0ZndXO5TedjE',
  },
  cheap: { password: 'Old-Cheap-1', phc: '$argon2id$v=19$m=8,t=1,p=1$WQ80YjdF6hJ8okuWaIgn9Q$Xu2D6abFTXTGPkXEx16h+x3ix8AqfA7+c/69N0WmiT0' },
  parallel: { password: 'Old-Pass-p2', phc: '$argon2id$v=19$m=9216,t=3,p=2$XGQmb90l0i8Ji9Sgeg1LNw$cJcNnXoSFuBjtdt4obxX2WOBNjTa7xmdMOrrXnv5W2c' },
};

describe('argon2id password hashing', () => {
  it('produces a PHC string with OWASP parameters and a random salt', async () => {
    const [a, b] = await Promise.all([hashPassword('Päss-wörd 1'), hashPassword('Päss-wörd 1')]);
    assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(a, b);
    assert.deepEqual(hashParameters(a), { ...ARGON2_PARAMETERS });
  });

  it('verifies the right password (Unicode, long) and refuses others and malformed hashes', async () => {
    const long = 'ü'.repeat(200);
    const hash = await hashPassword(long);
    assert.equal(await verifyPassword(long, hash), true);
    assert.equal(await verifyPassword('ü'.repeat(199), hash), false, 'no truncation');
    assert.equal(await verifyPassword('', hash), false);
    assert.equal(await verifyPassword(long, 'not-a-hash'), false);
    assert.equal(await verifyPassword(long, hash.replace('argon2id', 'argon2i')), false);
    assert.equal(await verifyPassword(long, hash.replace('v=19', 'v=16')), false);
    assert.equal(await verifyPassword(long, hash.slice(0, -4)), false, 'a cut tag');
    assert.equal(await verifyPassword(long, hash.replace(/\$[^$]+\$([^$]+)$/, '$$!!!!$$$1')), false, 'a broken salt');
  });

  it('verifies hashes stored by the previous hasher (node:crypto argon2), at any parameters', async () => {
    for (const [name, { password, phc }] of Object.entries(STORED_BY_NODE_CRYPTO)) {
      assert.equal(await verifyPassword(password, phc), true, name);
      assert.equal(await verifyPassword(`${password}x`, phc), false, name);
    }
    // The same characters in another Unicode form are other bytes: callers normalise (NFC) before hashing.
    assert.equal(await verifyPassword(STORED_BY_NODE_CRYPTO.owasp.password.normalize('NFD'), STORED_BY_NODE_CRYPTO.owasp.phc), false);
  });

  it('asks for a re-hash only when a stored parameter is below the configured ones', async () => {
    assert.equal(needsRehash(STORED_BY_NODE_CRYPTO.owasp.phc), false, 'the same parameters');
    assert.equal(needsRehash(STORED_BY_NODE_CRYPTO.cheap.phc), true, 'm and t below');
    assert.equal(needsRehash(STORED_BY_NODE_CRYPTO.parallel.phc), true, 'm below, though t and p are above');
    assert.equal(needsRehash(await hashPassword('x')), false);
    assert.equal(needsRehash(STORED_BY_NODE_CRYPTO.owasp.phc, { ...ARGON2_PARAMETERS, passes: 3 }), true, 'raised t');
    assert.equal(needsRehash(STORED_BY_NODE_CRYPTO.owasp.phc, { ...ARGON2_PARAMETERS, parallelism: 2 }), true, 'raised p');
    assert.equal(needsRehash(STORED_BY_NODE_CRYPTO.owasp.phc, { ...ARGON2_PARAMETERS, memory: 8 }), false, 'lowered m keeps the stronger hash');
    assert.equal(needsRehash('not-a-hash'), false, 'nothing to re-hash from');
  });

  it('hashes with explicit parameters (what a raised configuration would write)', async () => {
    const hash = await hashPassword('Raised-1', { memory: 64, passes: 3, parallelism: 2, tagLength: 32 });
    assert.match(hash, /^\$argon2id\$v=19\$m=64,t=3,p=2\$/);
    assert.equal(await verifyPassword('Raised-1', hash), true);
  });

  it('runs off the event loop: the loop turns while a verification is under way', async () => {
    const decoy = await makeDecoyHash();
    assert.match(decoy, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, 'a decoy costs what a real hash costs');
    const order: string[] = [];
    const verification = verifyPassword('guess', decoy).then(() => order.push('verified'));
    // Work on the event loop: a synchronous hash would finish before any of these turns.
    for (let turn = 0; turn < 3; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    order.push('loop turned');
    await verification;
    assert.deepEqual(order, ['loop turned', 'verified']);
  });
});
