import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { checkCaseBody } from '../../../protocol/cases/schema.js';
import { CASE_WRITES, parseMaterial, receiptText } from '../../../cli/commands/case-write.js';
import { CliError } from '../../../cli/io.js';
import { tempDir } from '../../helpers/consortium.js';

const dir = tempDir('tongban-case-write-unit-');
afterAll(() => dir.cleanup());

describe('case write commands: option parsing', () => {
  it('--material hashes the file locally, with form, original, level and license flags', () => {
    const f = join(dir.path, 'form.pdf');
    writeFileSync(f, 'form');
    const sha = createHash('sha256').update('form').digest('hex');
    expect(parseMaterial(`申请表=${f}`)).toEqual({ name: '申请表', doc: new Uint8Array(Buffer.from(sha, 'hex')), form: 'electronic', original: true });
    const m = parseMaterial(`营业执照=${sha},paper,copy,level=B,license=L-1`);
    expect({ ...m, doc: toHex(m.doc as Uint8Array) }).toEqual({ name: '营业执照', doc: sha, form: 'paper', original: false, level: 'B', license: 'L-1' });
    // what it builds passes the schema
    checkCaseBody(
      'case.open',
      { item: 'X', name: 'n', mode: 'proxy', serial: 's', applicant: new Uint8Array(32), handlers: ['bj-haidian'], limit: { days: 1, calendar: 'working' }, materials: [m] },
      undefined,
    );
    for (const bad of ['noequals', `=${sha}`, `x=${sha},stapled`, `x=${sha},level=E`]) expect(() => parseMaterial(bad)).toThrow(CliError);
    expect(() => parseMaterial('x=missing-file.pdf')).toThrow(/neither a file nor a 64-hex-digit SHA-256/);
  });

  it('the receipt text carries the case id and the salt, and nothing personal', () => {
    const salt = new Uint8Array(16).fill(0xab);
    expect(receiptText('cd'.repeat(32), salt)).toBe(`tongban-case:${'cd'.repeat(32)}?salt=${'ab'.repeat(16)}`);
  });

  it('every command maps to a case kind', () => {
    expect(
      Object.entries(CASE_WRITES)
        .filter(([, k]) => k === 'case.accept')
        .map(([c]) => c),
    ).toEqual(['accept', 'refuse', 'correct']);
    expect(
      Object.entries(CASE_WRITES)
        .filter(([, k]) => k === 'case.clock')
        .map(([c]) => c),
    ).toEqual(['pause', 'resume', 'extend']);
    expect(new Set(Object.values(CASE_WRITES)).size).toBe(10);
  });
});
