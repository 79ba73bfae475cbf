import { describe, expect, it } from 'vitest';
import { benchJson, JSON_FIGURES } from '../../../bench/json.js';
import type { Figure } from '../../../bench/lib.js';

const fig = (over: Partial<Figure>): Figure => ({ name: 'x', unit: 'records/s', better: 'higher', runs: [1], ...over });

describe('bench --json shaping', () => {
  it('takes the median, and the ratio over the peer measured in the same run', () => {
    const out = benchJson([fig({ key: 'http_appends', runs: [900, 1100, 1000], peer: { name: 'Hypercore', runs: [2000, 4000, 3000] }, vs: 'peer' })]);
    expect(out).toEqual({ figures: { http_appends: { value: 1000, unit: 'records/s', ratio: 1000 / 3000, vs: 'Hypercore' } } });
  });

  it('compares with the limit when asked (a ceiling, or the bare node for times)', () => {
    const out = benchJson([
      fig({ key: 'own_appends', runs: [5000], limit: { name: 'ceiling', value: 10_000 }, peer: { name: 'p', runs: [1] }, vs: 'limit' }),
      fig({ key: 'cold_verify', unit: 'ms', better: 'lower', runs: [90, 80, 100], limit: { name: 'bare `node -e 0`', value: 40 }, vs: 'limit' }),
    ]);
    expect(out.figures.own_appends).toEqual({ value: 5000, unit: 'records/s', ratio: 0.5, vs: 'ceiling' });
    expect(out.figures.cold_verify).toEqual({ value: 90, unit: 'ms', ratio: 2.25, vs: 'bare `node -e 0`' });
  });

  it('gives null ratio and vs without a reference, and leaves out figures without a key', () => {
    const out = benchJson([fig({ key: 'finality_p50_100', unit: 'ms', runs: [250] }), fig({ name: 'no key' }), fig({ key: 'replication', vs: 'peer' })]);
    expect(Object.keys(out.figures)).toEqual(['finality_p50_100', 'replication']);
    expect(out.figures.finality_p50_100).toEqual({ value: 250, unit: 'ms', ratio: null, vs: null });
    expect(out.figures.replication!.ratio).toBeNull();
  });

  it('is plain JSON: round-trips through JSON.stringify', () => {
    const out = benchJson(JSON_FIGURES.map((key, i) => fig({ key, runs: [i + 1], limit: { name: 'l', value: 2 }, vs: 'limit' })));
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
    expect(Object.keys(out.figures)).toEqual([...JSON_FIGURES]);
  });

  it('gives value null, not NaN or a missing key, for a figure that measured nothing', () => {
    const out = benchJson([fig({ key: 'finality_p50_1000', unit: 'ms', runs: [Number.NaN] }), fig({ key: 'replication', runs: [], limit: { name: 'l', value: 1 }, vs: 'limit' })]);
    expect(JSON.parse(JSON.stringify(out))).toEqual({
      figures: { finality_p50_1000: { value: null, unit: 'ms', ratio: null, vs: null }, replication: { value: null, unit: 'records/s', ratio: null, vs: 'l' } },
    });
  });

  it('refuses two figures with one name', () => {
    expect(() => benchJson([fig({ key: 'replication' }), fig({ key: 'replication' })])).toThrow(/two figures/);
  });
});
