import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { decodeBundle, encodeBundle } from '../../protocol/bundle/bundle.js';
import type { Envelope } from '../../protocol/records/index.js';
import { Scenario } from '../helpers/bundle-scenario.js';
import { tempDir } from '../helpers/consortium.js';
import { DESKTOP, DIST_WEB, launch, PHONE, recordRequests, shot } from './browser.js';

// The Verify page of the standalone console file (dist/web/tongban-console.html), opened from disk with no server:
// bundles are verified in the browser by protocol/ (noble), and the page makes no request while doing it.
const doc = new Uint8Array(32).fill(0xd2);
const H = (b: number) => new Uint8Array(32).fill(b);
const dir = tempDir('tongban-verify-web-');
const file = (name: string, bytes: Uint8Array) => {
  const p = join(dir.path, name);
  writeFileSync(p, bytes);
  return p;
};
let browser: Browser;
let genesis = '';
let net = '';
const paths: Record<string, string> = {};

/** Each record proved by the checkpoint right after it, cosigned by every member (as report-bundle.test.ts). */
const prompt = (s: Scenario) => (env: Envelope) =>
  s.checkpoint(
    env.record.author,
    env.record.seq + 1,
    s.members.map((m) => m.id),
    s.members.map((_, i) => Math.floor(env.record.ts / 1000) + 30 + i),
  );

async function docBundles() {
  const world = (reject: boolean) => {
    const s = new Scenario(3);
    const [A, B, C] = [0, 1, 2].map((i) => s.member(i).id) as [string, string, string];
    s.enrol(A, 'li.na', ['registrar']);
    s.enrol(B, 'wang.fang', ['approver']);
    s.enrol(C, 'chen.jie', ['approver']);
    const reg = s.by(A, 'li.na', 'doc.register', { doc, type: 'permit', class: 'public' });
    s.by(B, 'wang.fang', 'doc.approve', { doc, decision: 'approve', role: 'review' }, [reg.id]);
    if (reject) s.by(C, 'chen.jie', 'doc.approve', { doc, decision: 'reject', role: 'approval', reason: '材料不全' }, [reg.id]);
    return s;
  };
  const ok = world(false);
  const approved = await ok.bundle(doc);
  const rejected = await world(true).bundle(doc);
  // Tampered: one byte of the approval's envelope changed (its signature no longer holds).
  const b = decodeBundle(approved);
  const i = b.entries.length - 1;
  const env = b.entries[i]!.envelope.slice();
  env[env.length - 5]! ^= 0x01;
  b.entries[i] = { ...b.entries[i]!, envelope: env };
  return { genesis: ok.genesis, net: toHex(ok.net), approved, rejected, tampered: encodeBundle(b) };
}

/** A short proxy case (open, handoff, receipt, accept, step, close), in a case bundle of the same consortium. */
async function caseBundle(): Promise<Uint8Array> {
  const s = new Scenario(3);
  const [HD, , ZZ] = [s.member(0).id, s.member(1).id, s.member(2).id];
  s.enrol(ZZ, 'zz.cw', ['caseworker']);
  s.enrol(HD, 'hd.ap', ['approver', 'caseworker']);
  const by = (t: string, author: string, actor: string, kind: string, body: Record<string, unknown>, refs?: Uint8Array[]) => {
    s.clock = Date.parse(t) - 1000;
    return s.by(author, actor, kind, body as never, refs);
  };
  const open = by('2026-11-02T09:00:00+08:00', ZZ, 'zz.cw', 'case.open', {
    item: '11410100MB1234567X4000111001',
    name: '道路运输经营许可',
    mode: 'proxy',
    serial: 'ZZ-2026-0001',
    applicant: H(1),
    handlers: [HD],
    limit: { days: 5, calendar: 'working' },
    materials: [{ name: '申请表', doc: H(2), form: 'paper', original: true }],
  });
  const post = by('2026-11-02T10:00:00+08:00', ZZ, 'zz.cw', 'case.handoff', { to: HD, purpose: 'handle', via: 'post', materials: [H(2)], tracking: 'EMS0001' }, [open.id]);
  by('2026-11-04T09:30:00+08:00', HD, 'hd.ap', 'case.receipt', { complete: true }, [open.id, post.id]);
  by('2026-11-04T10:00:00+08:00', HD, 'hd.ap', 'case.accept', { decision: 'accept' }, [open.id]);
  by('2026-11-10T09:00:00+08:00', HD, 'hd.ap', 'case.step', { step: 'undertake', opinion: 'agree' }, [open.id]);
  by('2026-11-10T11:00:00+08:00', HD, 'hd.ap', 'case.step', { step: 'review', opinion: 'agree' }, [open.id]);
  by('2026-11-11T11:00:00+08:00', HD, 'hd.ap', 'case.step', { step: 'approve', opinion: 'agree' }, [open.id]);
  by('2026-11-11T15:00:00+08:00', HD, 'hd.ap', 'case.close', { result: 'issued' }, [open.id]);
  return s.caseBundle(open.id, prompt(s));
}

beforeAll(async () => {
  const d = await docBundles();
  genesis = file('genesis.cbor', d.genesis);
  net = d.net;
  paths.approved = file('approved.bundle', d.approved);
  paths.rejected = file('rejected.bundle', d.rejected);
  paths.tampered = file('tampered.bundle', d.tampered);
  paths.case = file('case.bundle', await caseBundle());
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  dir.cleanup();
});

/** Open the standalone console from disk; returns the page and the requests it makes once loaded. */
async function open(viewport = DESKTOP): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage({ viewport });
  await page.goto(pathToFileURL(join(DIST_WEB, 'tongban-console.html')).href);
  await page.getByRole('heading', { level: 1 }).waitFor();
  return { page, requests: recordRequests(page) };
}

const verdict = (page: Page) => page.locator('[data-verdict]').first();

describe('Verify page, offline, in Chromium', () => {
  it('a valid bundle with its genesis file: APPROVED, proofs sound, the timeline in China Standard Time with region names', async () => {
    const { page, requests } = await open();
    await page.setInputFiles('#verify-files', [paths.approved!, genesis]);
    await verdict(page).waitFor();
    expect(await verdict(page).getAttribute('data-verdict')).toBe('approved');
    expect(await verdict(page).getAttribute('data-proofs')).toBe('sound');
    const text = await page.locator('main').innerText();
    expect(text).toContain('2026-11-20 16:00'); // 08:00Z in CST
    expect(text).toContain('上海市 (310115)');
    expect(text).toContain('wang.fang');
    expect(text).toContain('证明：可靠');
    await shot(page, 'verify-approved');
    expect(requests).toEqual([]);
    await page.close();
  });

  it('a rejected bundle with the network id typed: REJECTED, proofs sound, the reason shown', async () => {
    const { page, requests } = await open();
    await page.fill('#verify-net', net);
    await page.setInputFiles('#verify-files', [paths.rejected!]);
    await verdict(page).waitFor();
    expect([await verdict(page).getAttribute('data-verdict'), await verdict(page).getAttribute('data-proofs')]).toEqual(['rejected', 'sound']);
    expect(await page.locator('main').innerText()).toContain('材料不全');
    expect(requests).toEqual([]);
    await page.close();
  });

  it('a tampered bundle: proofs unsound, the problem named', async () => {
    const { page, requests } = await open();
    await page.setInputFiles('#verify-files', [paths.tampered!, genesis]);
    await verdict(page).waitFor();
    expect(await verdict(page).getAttribute('data-proofs')).toBe('unsound');
    expect(await page.locator('main').innerText()).toContain('证明：不可靠');
    await shot(page, 'verify-tampered');
    expect(requests).toEqual([]);
    await page.close();
  });

  it('a case bundle: the case state, deadline arithmetic and hops; on a phone, in English', async () => {
    const { page, requests } = await open(PHONE);
    await page.getByRole('button', { name: 'English' }).click();
    await page.setInputFiles('#verify-files', [paths.case!, genesis]);
    await verdict(page).waitFor();
    expect([await verdict(page).getAttribute('data-verdict'), await verdict(page).getAttribute('data-proofs'), await verdict(page).getAttribute('data-kind')]).toEqual(['closed', 'sound', 'case']);
    const text = await page.locator('main').innerText();
    expect(text).toContain('Deadline arithmetic');
    expect(text).toMatch(/ha-zhengzhou\s+bj-haidian\s+handle\s+post/);
    expect(text).toContain('Beijing (110108)');
    await shot(page, 'verify-case-phone');
    expect(requests).toEqual([]);
    await page.close();
  });
});
