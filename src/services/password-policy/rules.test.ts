import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { passwordPolicySchema } from '../../config/password-policy.ts';
import { createCommonPasswordList } from './common-passwords.ts';
import { createPasswordPolicy } from './policy.ts';

// One test per rule: the rule's own message for a failing password, nothing
// for a good one. Common-password list injected so no package is needed.
const commonPasswords = createCommonPasswordList(async () => ['password', 'dragon', 'p@ssw0rd', 'jordan']);
const policy = createPasswordPolicy(passwordPolicySchema.parse({}), { commonPasswords });
const GOOD = 'Secret#2024x';
const context = { username: 'jsmith99', oldPassword: 'Autumn!2023q' };

async function failures(candidate: string, ctx: Parameters<typeof policy.check>[1] = context) {
  return (await policy.check(candidate, ctx)).failures.map((f) => f.text);
}

/** Fails exactly one rule, with this message, while GOOD passes. */
async function failsOnly(candidate: string, text: string, ctx = context) {
  assert.deepEqual(await failures(candidate, ctx), [text], candidate);
}

describe('password rules, one by one', () => {
  it('accepts a good password', async () => {
    assert.deepEqual(await policy.check(GOOD, context), { ok: true, failures: [] });
  });

  it('minimum length, counted in code points', async () => {
    await failsOnly('Se#20x7', 'Minimum length should be at least "8"');
    await failsOnly('Aa1😀😁😂😃', 'Minimum length should be at least "8"'); // 7 code points, 11 UTF-16 units
    assert.deepEqual(await failures('Aa1😀😁😂😃😄'), []);
    // NFC first: "é" typed as e + U+0301 is one character
    await failsOnly('Aa1#e\u0301o\u0301a\u0301', 'Minimum length should be at least "8"');
    assert.deepEqual(await failures('Aa1#e\u0301o\u0301a\u0301u\u0301'), []);
  });

  it('maximum length of 128 code points', async () => {
    const emoji = '😀😁😂'.repeat(50); // 150 code points, 300 UTF-16 units
    assert.deepEqual(await failures(`Aa1!${Array.from(emoji).slice(0, 124).join('')}`), []);
    await failsOnly(`Aa1!${Array.from(emoji).slice(0, 125).join('')}`, 'Maximum length should be at most "128"');
  });

  it('special characters: punctuation, symbols, emoji and spaces count; letters, digits, ZWJ do not', async () => {
    await failsOnly('Secret2024x', 'Number of special characters to include "1"');
    await failsOnly('Secret\u200D2024x', 'Number of special characters to include "1"');
    assert.deepEqual(await failures('Secret 2024x'), []);
    assert.deepEqual(await failures('Secret€2024x'), []);
    assert.deepEqual(await failures('Secret😀2024x'), []);
  });

  it('upper and lower case, in any cased script', async () => {
    await failsOnly('secret#2024x', 'Must contain both upper and lowercase characters');
    await failsOnly('SECRET#2024X', 'Must contain both upper and lowercase characters');
    assert.deepEqual(await failures('Σεκρετ#2024ξ'), []);
  });

  it('numerals, in any script', async () => {
    await failsOnly('Secret#abcdx', 'Number of numerals to include "1"');
    assert.deepEqual(await failures('Secret#٢٠٢٤x'), []); // Arabic-Indic digits
  });

  it('palindrome, case-insensitive', async () => {
    await failsOnly('Ab1#xx#1bA', 'Must not be a palindrome');
    await failsOnly('Ab1#xx#1Ba', 'Must not be a palindrome');
    assert.deepEqual(await failures('Ab1#xx#1bC'), []);
  });

  it('no character more than twice in a row: "aa" passes, "aaa" fails (case-insensitive)', async () => {
    assert.deepEqual(await failures('Secret#2024xaa'), []);
    await failsOnly('Secret#2024xaaa', 'Must not contain any character more than twice consecutively');
    await failsOnly('Secret#2024xAaA', 'Must not contain any character more than twice consecutively');
    await failsOnly('Secret#2000x', 'Must not contain any character more than twice consecutively');
  });

  it('5 consecutive characters from the user name, case-insensitive', async () => {
    const text = 'Must not have 5 consecutive characters from username';
    await failsOnly('XSMITh#2024', text);
    assert.deepEqual(await failures('Xsmit#2024q'), []); // only 4 in a row
    assert.deepEqual(await policy.check('XSMITh#2024', {}), { ok: true, failures: [] }); // no user name known
  });

  it('a user name shorter than the run cannot share a run: the rule says what it checks, no more', async () => {
    assert.deepEqual(await failures('Bob#2024xyz', { username: 'bob' }), []);
    assert.deepEqual(await failures('Leo#Changed2026', { username: 'leo' }), []);
    // The parts of a long name still count: "jsmith" of "jsmith@contoso.com".
    assert.deepEqual(await failures('Jsmith#2024x', { username: 'jsmith@contoso.com' }), ['Must not have 5 consecutive characters from username']);
  });

  it('5 consecutive characters from the old password, case-insensitive and after NFC', async () => {
    const text = 'Must not contain 5 consecutive characters from your old password';
    await failsOnly('XaUTUMN#2024', text);
    assert.deepEqual(await failures('Autu#2024xyz'), []);
    await failsOnly('Xcre\u0300me!99', text, { username: 'jsmith99', oldPassword: 'Crème#2024x' });
  });

  it('restricted patterns: substring, case-insensitive, list shown behind "List"', async () => {
    const text = 'Must not contain restricted patterns';
    await failsOnly('MyITRON#2024', text);
    await failsOnly('xWelcome9!', text);
    const shown = policy.rules().find((r) => r.id === 'restrictedPatterns');
    assert.ok(shown?.list?.includes('itron'));
  });

  it('common and breached passwords, also with digits and symbols bolted on', async () => {
    const text = 'Must not be a commonly used or breached password';
    await failsOnly('P@SSw0rd', text);
    await failsOnly('Jordan23!', text);
    await failsOnly('!!Dragon1', text);
    assert.deepEqual(await failures('Dragon#42Tea'), []); // core kept whole
  });
});
