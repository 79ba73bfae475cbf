import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8, utf8Length } from '../../../protocol/bytes.js';

describe('utf8Length', () => {
  it('is the length of the UTF-8 encoding, lone surrogates included (written as U+FFFD)', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((cs) => String.fromCharCode(...cs)),
    );
    fc.assert(
      fc.property(text, (s) => utf8Length(s) === utf8(s).length),
      { numRuns: 5000 },
    );
    for (const s of ['', 'a', 'é', '中', '😀', '\ud800', '\udc00', 'a\ud800b', '\ud800\ud800\udc00', `${'x'.repeat(1023)}é`]) expect(utf8Length(s)).toBe(utf8(s).length);
  });
});
