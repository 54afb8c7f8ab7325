import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { canonicalUsername, checkUsername, legacyUsernameKey, UsernameNotAllowedError } from './username.ts';

describe('the canonical user-name key', () => {
  it('maps width, case, compatibility forms and surrounding space to one key', () => {
    for (const typed of ['bob', 'BOB', 'Bob', 'ｂob', 'ＢＯＢ', ' bob ', '\u3000bob\u00a0', 'ｂｏｂ']) {
      assert.equal(canonicalUsername(typed), 'bob', JSON.stringify(typed));
    }
    assert.equal(canonicalUsername('ﬁnn'), 'finn', 'ligatures are their letters');
    assert.equal(canonicalUsername('Ａlice@Example.TEST'), 'alice@example.test');
    assert.equal(canonicalUsername('Jo\u0301se'), 'jóse', 'a combining accent composes (NFC within NFKC)');
    assert.equal(canonicalUsername('jo  han\u3000 sen'), 'jo han sen', 'runs of white space are one space');
    assert.equal(canonicalUsername('Dürst'), 'dürst');
  });

  it('is idempotent: the key of a key is itself', () => {
    const samples = ['ｂob', 'İstanbul', 'ǅemal', 'ΣΊΣΥΦΟΣ', 'ᴬdmin', 'Ⅻ', '㍿', 'ß', 'ﬀ'];
    // Every assigned BMP letter too, one at a time and in a name.
    for (let code = 0x41; code < 0xffff; code += 1) {
      const char = String.fromCodePoint(code);
      if (/\p{L}/u.test(char)) samples.push(`x${char}y`);
    }
    for (const typed of samples) {
      const checked = checkUsername(typed);
      if (!checked.ok) continue;
      assert.equal(canonicalUsername(checked.key), checked.key, JSON.stringify(typed));
    }
  });

  it('refuses control, format / bidi, unassigned, surrogate and private-use characters', () => {
    const refused = {
      'a NUL': 'bob\u0000',
      'a newline': 'bob\nalice',
      DEL: 'bob\u007f',
      'a C1 control': 'bob\u0085',
      'right-to-left override': 'bob\u202e',
      'left-to-right mark': '\u200ebob',
      'a bidi isolate': 'b\u2066ob\u2069',
      'Arabic letter mark': 'bob\u061c',
      'zero-width space': 'b\u200bob',
      'zero-width joiner': 'b\u200dob',
      'soft hyphen': 'b\u00adob',
      BOM: '\ufeffbob',
      'a lone surrogate': 'bob\ud800',
      'private use': 'bob\ue000',
      'an unassigned code point': 'bob\u0378',
      'a noncharacter': 'bob\uffff',
      'line separator': 'bob\u2028',
    };
    for (const [what, typed] of Object.entries(refused)) {
      assert.deepEqual(checkUsername(typed), { ok: false, problem: 'not_allowed' }, what);
      assert.throws(() => canonicalUsername(typed), UsernameNotAllowedError, what);
    }
  });

  it('refuses a name that is only space', () => {
    assert.deepEqual(checkUsername('   '), { ok: false, problem: 'empty' });
    assert.deepEqual(checkUsername('\u3000'), { ok: false, problem: 'empty' });
    assert.deepEqual(checkUsername(''), { ok: false, problem: 'empty' });
  });

  it('keeps the old key for the plain names every store holds', () => {
    for (const typed of ['bob', 'Alice', 'ｂob', 'erin.smith@example.test']) assert.equal(legacyUsernameKey(typed), canonicalUsername(typed));
    assert.notEqual(legacyUsernameKey(' bob'), canonicalUsername(' bob'), 'the old key did not trim');
  });
});
