import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { SEED_RULES } from '../../../test/support/seed-password-rules.ts';
import { passwordPolicySchema } from '../../config/password-policy.ts';
import { hashPassword } from '../../kit/password-hash.ts';
import { createCommonPasswordList } from './common-passwords.ts';
import { createPasswordPolicy } from './policy.ts';

const commonPasswords = createCommonPasswordList(async () => ['password', 'dragon']);
const make = (overrides: object = {}) => createPasswordPolicy(passwordPolicySchema.parse(overrides), { commonPasswords });

describe('password policy', () => {
  it("shows the seed's rules in the seed's order by default, plus max length, common list and history", () => {
    const texts = make()
      .rules()
      .map((r) => r.text);
    assert.deepEqual(
      texts.filter((t) => SEED_RULES.includes(t)),
      SEED_RULES,
    );
    assert.deepEqual(
      texts.filter((t) => !SEED_RULES.includes(t)),
      ['Maximum length should be at most "128"', 'Must not be a commonly used or breached password', 'Must not be one of your last 5 passwords'],
    );
  });

  it("uses the site's numbers in the messages and hides rules turned off", () => {
    const texts = make({
      minLength: 12,
      minSpecial: 2,
      minDigits: 3,
      maxRepeat: 3,
      usernameRun: 4,
      oldPasswordRun: 6,
      requireMixedCase: false,
      forbidPalindrome: false,
      restrictedPatterns: [],
      checkCommonPasswords: false,
      historyCount: 1,
    })
      .rules()
      .map((r) => r.text);
    assert.deepEqual(texts, [
      'Minimum length should be at least "12"',
      'Maximum length should be at most "128"',
      'Number of special characters to include "2"',
      'Number of numerals to include "3"',
      'Must not contain any character more than 3 times consecutively',
      'Must not have 4 consecutive characters from username',
      'Must not contain 6 consecutive characters from your old password',
      'Must not be your previous password',
    ]);
  });

  it('reports every unmet rule at once, not just the first', async () => {
    const result = await make().check('aaa', { username: 'aaaaa' });
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.failures.map((f) => f.id),
      ['minLength', 'minSpecial', 'mixedCase', 'minDigits', 'notPalindrome', 'maxRepeat'],
    );
    const many = await make().check('Password', { username: 'password', oldPassword: 'Password' });
    assert.deepEqual(
      many.failures.map((f) => f.id),
      ['minSpecial', 'minDigits', 'usernameRun', 'oldPasswordRun', 'restrictedPatterns', 'commonPassword'],
    );
  });

  it('refuses reuse of one of the last N passwords and allows older ones', async () => {
    const previous = Array.from({ length: 6 }, (_, i) => `Earlier#${i}pw-Xy`);
    const hashes = await Promise.all(previous.map((p) => hashPassword(p))); // newest first
    const policy = make({ historyCount: 5 });
    for (const reused of previous.slice(0, 5)) {
      const { failures } = await policy.check(reused, { historyHashes: hashes });
      assert.deepEqual(
        failures.map((f) => f.text),
        ['Must not be one of your last 5 passwords'],
        reused,
      );
    }
    assert.deepEqual(await policy.check(previous[5]!, { historyHashes: hashes }), { ok: true, failures: [] });
    assert.equal((await make({ historyCount: 0 }).check(previous[0]!, { historyHashes: hashes })).ok, true);
  });

  it('matches history after NFC, whichever form the user types', async () => {
    const hashes = [await hashPassword('Crème#2024x')];
    const { failures } = await make().check('Cre\u0300me#2024x', { historyHashes: hashes });
    assert.deepEqual(
      failures.map((f) => f.id),
      ['history'],
    );
  });

  it('never truncates: 128-character passwords differing only in the last character are different', async () => {
    const base = 'Ab1!cD2@'.repeat(16).slice(0, 127);
    const [first, second] = [`${base}x`, `${base}y`];
    assert.equal(Array.from(first).length, 128);
    const historyHashes = [await hashPassword(first)];
    assert.deepEqual(await make().check(second, { historyHashes }), { ok: true, failures: [] });
    assert.deepEqual(
      (await make().check(first, { historyHashes })).failures.map((f) => f.id),
      ['history'],
    );
  });

  it('skips the list and argon2 work for an over-long candidate but still names the length rule', async () => {
    let loads = 0;
    const counting = createCommonPasswordList(async () => {
      loads++;
      return [];
    });
    const policy = createPasswordPolicy(passwordPolicySchema.parse({}), { commonPasswords: counting });
    const { failures } = await policy.check(`Aa1!${'xy'.repeat(5000)}`, { historyHashes: ['$argon2id$bogus'] });
    assert.deepEqual(
      failures.map((f) => f.id),
      ['maxLength'],
    );
    assert.equal(loads, 0);
  });
});

describe('password policy schema', () => {
  it('defaults to the seed', () => {
    const p = passwordPolicySchema.parse({});
    assert.equal(p.minLength, 8);
    assert.equal(p.maxLength, 128);
    assert.equal(p.minSpecial, 1);
    assert.equal(p.minDigits, 1);
    assert.equal(p.maxRepeat, 2);
    assert.equal(p.usernameRun, 5);
    assert.equal(p.oldPasswordRun, 5);
    assert.equal(p.historyCount, 5);
    assert.ok(p.restrictedPatterns.includes('password'));
  });

  it('refuses weakening below the floors, contradictions and unknown keys', () => {
    for (const bad of [
      { minLength: 6 },
      { maxLength: 32 },
      { minLength: 64, maxLength: 64 },
      { minLength: 65, maxLength: 64 },
      { restrictedPatterns: ['ab'] },
      { maxLenght: 100 },
    ]) {
      const ok = passwordPolicySchema.safeParse(bad).success;
      assert.equal(ok, JSON.stringify(bad) === '{"minLength":64,"maxLength":64}', JSON.stringify(bad));
    }
  });
});
