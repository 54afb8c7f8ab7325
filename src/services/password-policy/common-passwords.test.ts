import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createCommonPasswordList, loadZxcvbnCommonPasswords } from './common-passwords.ts';

function installed(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

describe('common password list', () => {
  it('loads lazily, once, and compares case-insensitively after NFC', async () => {
    let loads = 0;
    const list = createCommonPasswordList(async () => {
      loads++;
      return ['Crème', 'letmein'];
    });
    assert.equal(loads, 0);
    const results = await Promise.all(['LETMEIN', 'cre\u0300me', 'letmein2', 'letmeinx'].map((p) => list.isCommon(p)));
    assert.deepEqual(results, [true, true, true, false]);
    assert.equal(loads, 1);
  });

  it('strips only leading and trailing non-letters, and not to a core under 4 characters', async () => {
    const list = createCommonPasswordList(async () => ['dragon', 'abc']);
    assert.equal(await list.isCommon('2024!Dragon!!'), true);
    assert.equal(await list.isCommon('Dra#gon'), false);
    assert.equal(await list.isCommon('Abc#2024'), false);
  });

  it('retries a failed load instead of caching the failure', async () => {
    let calls = 0;
    const list = createCommonPasswordList(async () => {
      if (++calls === 1) throw new Error('boom');
      return ['dragon'];
    });
    await assert.rejects(list.load(), /boom/);
    assert.equal(await list.isCommon('dragon'), true);
  });

  it.skipIf(!installed('@zxcvbn-ts/language-common'))(
    'reads the bundled list from @zxcvbn-ts/language-common (skipped when the package is not installed)',
    async () => {
      const words = Array.from(await loadZxcvbnCommonPasswords());
      assert.ok(words.length > 40_000, `${words.length} entries`);
      const list = createCommonPasswordList();
      assert.equal(await list.isCommon('P@ssw0rd'), true);
      assert.equal(await list.isCommon('Qwerty123!'), true);
      assert.equal(await list.isCommon('Secret#2024x'), false);
    },
  );
});

describe('compact word list', () => {
  it('finds exactly the folded entries, at both ends and in between, and nothing else', async () => {
    const { compactWordList } = await import('./common-passwords.ts');
    const words = ['zebra', 'Apple', 'mango', 'apple', 'Crème', 'a', 'ü', 'line\nbreak'];
    const list = compactWordList(words);
    assert.equal(list.size, 6, 'folded duplicates once; an entry with a line break is dropped');
    for (const word of ['a', 'apple', 'crème', 'mango', 'zebra', 'ü']) assert.equal(list.has(word), true, word);
    for (const word of ['', 'appl', 'apples', 'b', 'zz', 'line', 'break', 'line\nbreak', 'apple\nmango', 'mango\n'])
      assert.equal(list.has(word), false, JSON.stringify(word));
    assert.equal(compactWordList([]).has('x'), false);
  });
});
