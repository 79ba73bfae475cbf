import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { checkCaseBody } from '../../../protocol/cases/schema.js';
import { CASE_WRITES, caseWrite, consoleUrlOption, parseMaterial, receiptText } from '../../../cli/commands/case-write.js';
import { writeKeyFile } from '../../../cli/keyfile.js';
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

  it('--console-url: the receipt opens the applicant page, the salt in the fragment; a bad URL is a usage error before anything is sent', async () => {
    const salt = new Uint8Array(16).fill(0xab);
    const url = consoleUrlOption('https://tongban.example.gov.cn/');
    expect(receiptText('cd'.repeat(32), salt, url)).toBe(`https://tongban.example.gov.cn/c/${'cd'.repeat(32)}#salt=${'ab'.repeat(16)}`);
    expect(consoleUrlOption('http://10.0.0.5:7400/console')).toBe('http://10.0.0.5:7400/console');
    for (const bad of ['ftp://x.example', 'not a url', 'https://x.example/?a=1', 'https://x.example/#f']) expect(() => consoleUrlOption(bad)).toThrow(/--console-url/);
    await expect(caseWrite('open', undefined, { consoleUrl: 'ftp://x.example', actor: join(dir.path, 'absent.key') })).rejects.toThrow(/--console-url/);
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

  it('usage errors name the option, before anything is sent (the node URL here answers nothing)', async () => {
    const key = join(dir.path, 'cw.key');
    writeKeyFile(key, 'actor', 'cw');
    const base = { node: 'http://127.0.0.1:9', actor: key };
    const open = { ...base, item: 'X', name: 'n', serial: 's', handler: ['bj-haidian'], days: '3', idType: '111', idNumber: 'A1' };
    const fails = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(2);
      return (e as Error).message;
    };
    expect(await fails(caseWrite('open', undefined, { ...open, mode: 'joint' }))).toMatch(/^--handler: .*2\.\.16 handlers/);
    expect(await fails(caseWrite('open', undefined, { ...open, days: '0' }))).toMatch(/^--days: a whole number 1\.\.3650/);
    expect(await fails(caseWrite('open', undefined, { ...open, serial: undefined }))).toMatch(/case open needs --serial/);
    expect(await fails(caseWrite('open', undefined, { ...open, name: 'x'.repeat(257) }))).toMatch(/^--name: /);
    expect(await fails(caseWrite('accept', 'nope', base))).toMatch(/nope is not a case id/);
    expect(await fails(caseWrite('refuse', 'ab'.repeat(32), base))).toMatch(/case refuse needs --reason/);
    expect(await fails(caseWrite('pause', 'ab'.repeat(32), { ...base, reason: 'lunch' }))).toMatch(/--reason: one of hearing, inspection/);
    expect(await fails(caseWrite('deliver', 'ab'.repeat(32), { ...base, via: 'post' }))).toMatch(/--via post needs --tracking/);
    expect(await fails(caseWrite('evaluate', 'ab'.repeat(32), { ...base, score: '6', channel: 'web' }))).toMatch(/--score: a whole number 1\.\.5/);
    expect(await fails(caseWrite('supervise', 'ab'.repeat(32), { ...base, action: 'flag', alert: 'purple' }))).toMatch(/^--alert: /);
  });
});
