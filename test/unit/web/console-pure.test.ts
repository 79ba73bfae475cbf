import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { sha256 } from '../../../protocol/crypto.js';
import { casesCsv, type CaseRow } from '../../../web/src/csv.js';
import { saltOf } from '../../../web/src/receipt.js';
import { anchorOf, classify, verifyFiles, type Picked } from '../../../web/src/verify.js';
import { Scenario } from '../../helpers/bundle-scenario.js';

// The console's pure parts, without a browser: what a picked file is, the trust anchor, the document check, the CSV,
// the receipt's salt.
const doc = new Uint8Array(32).fill(0xd2);

async function approved() {
  const s = new Scenario(3);
  const [A, B] = [s.member(0).id, s.member(1).id];
  s.enrol(A, 'li.na', ['registrar']);
  s.enrol(B, 'wang.fang', ['approver']);
  const reg = s.by(A, 'li.na', 'doc.register', { doc, type: 'permit', class: 'public' });
  s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
  return { s, bundle: await s.bundle(doc) };
}

describe('console: picked files and verification', () => {
  it('classifies bundles, the genesis and anything else as a document; the anchor is the typed id, else the genesis', async () => {
    const { s, bundle } = await approved();
    expect([classify(bundle), classify(s.genesis), classify(new TextEncoder().encode('a permit'))]).toEqual(['bundle', 'genesis', 'document']);
    const files: Picked[] = [{ name: 'g', kind: 'genesis', bytes: s.genesis }];
    expect(toHex(anchorOf(files, '') as Uint8Array)).toBe(toHex(s.net));
    expect(toHex(anchorOf([], toHex(s.net).toUpperCase()) as Uint8Array)).toBe(toHex(s.net));
    expect([anchorOf([], ''), anchorOf(files, 'abc')]).toEqual(['NO_ANCHOR', 'BAD_NET']);
  });

  it('a document bundle given with documents must be about one of them', async () => {
    const { s, bundle } = await approved();
    const b: Picked = { name: 'b', kind: 'bundle', bytes: bundle };
    const [alone] = verifyFiles([b], s.net, Date.now());
    expect(alone).toMatchObject({ about: 'document', report: { proofs: 'sound', outcome: 'approved' } });
    const other = new TextEncoder().encode('another document');
    const [wrong] = verifyFiles([b, { name: 'x.pdf', kind: 'document', bytes: other }], s.net, Date.now());
    expect(wrong).toMatchObject({ about: 'document', report: { proofs: 'unsound' } });
    expect(JSON.stringify(wrong)).toContain(toHex(sha256(other)));
  });
});

describe('console: CSV and receipt', () => {
  const row: CaseRow = {
    case: 'ab'.repeat(32),
    item: '=HYPERLINK("x")',
    serial: 'ZZ,2026 "1"',
    opener: 'ha-zhengzhou',
    handlers: ['bj-haidian', 'sh-pudong'],
    state: 'in-progress',
    openedAt: '2026-11-25T09:00:00.000+08:00',
    acceptedAt: null,
    closedAt: null,
    light: 'red',
    overdue: 3,
  };

  it('quotes per RFC 4180 and defuses formulas', () => {
    const [head, line, end] = casesCsv([row]).split('\r\n');
    expect(head).toBe('light,overdue,state,item,serial,opener,handlers,openedAt,acceptedAt,closedAt,case');
    expect(line).toBe(`red,3,in-progress,"'=HYPERLINK(""x"")","ZZ,2026 ""1""",ha-zhengzhou,bj-haidian sh-pudong,2026-11-25T09:00:00.000+08:00,,,${'ab'.repeat(32)}`);
    expect(end).toBe('');
  });

  it('reads the salt from the fragment only in its exact form', () => {
    expect(toHex(saltOf(`#salt=${'0f'.repeat(16)}`)!)).toBe('0f'.repeat(16));
    expect(saltOf('#salt=0f')).toBeNull();
    expect(saltOf(`#salt=${'0F'.repeat(16)}`)).toBeNull();
    expect(saltOf('')).toBeNull();
  });
});
