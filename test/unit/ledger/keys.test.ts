import { describe, expect, it } from 'vitest';
import { logKey, nameKey, pairKey, parseLogKey, parsePairKey } from '../../../ledger/keys.js';
import { fromHex, toHex } from '../../../protocol/bytes.js';

describe('store keys (built in one allocation, issue 16): the layout stores already hold', () => {
  it('name 0x00 [name 0x00] u64be(n), byte for byte', () => {
    expect(toHex(logKey('bj-haidian', 0))).toBe(`${toHex(new TextEncoder().encode('bj-haidian'))}000000000000000000`);
    expect(toHex(logKey('x', 2 ** 32 + 258))).toBe('7800' + '0000000100000102');
    expect(toHex(pairKey('doc.register', '中', Number.MAX_SAFE_INTEGER))).toBe(`${toHex(new TextEncoder().encode('doc.register'))}00e4b8ad00001fffffffffffff`);
    expect(nameKey('é')).toEqual(fromHex('c3a900'));
    // The same name twice (served from the cache) gives equal, separate keys.
    const a = logKey('bj-haidian', 7);
    const b = logKey('bj-haidian', 7);
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
  });

  it('parses back what it builds', () => {
    expect(parseLogKey(logKey('sh-pudong', 2 ** 40 + 5))).toEqual({ author: 'sh-pudong', n: 2 ** 40 + 5 });
    expect(parsePairKey(pairKey('kind.x', 'clerk', 255))).toEqual({ a: 'kind.x', b: 'clerk', n: 255 });
  });
});
