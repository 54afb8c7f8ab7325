import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createRecoveryCodes } from './recovery-codes.ts';

describe('recovery codes', () => {
  const codes = createRecoveryCodes();

  it('generates distinct codes in the canonical form', () => {
    const batch = codes.generate(10);
    assert.equal(new Set(batch).size, 10);
    for (const code of batch) {
      assert.match(code, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
      assert.equal(codes.normalize(code), code);
    }
  });

  it('forgives case, spaces and dashes, and refuses what cannot be a code', () => {
    assert.equal(codes.normalize(' ABCDE fghjk '), 'abcde-fghjk');
    assert.equal(codes.normalize('abcdefghjk'), 'abcde-fghjk');
    for (const bad of ['', 'abcde-fghj', 'abcde-fghjkm', 'abcde-fgh0k', 'abcde_fghjk']) assert.equal(codes.normalize(bad), undefined);
  });
});
