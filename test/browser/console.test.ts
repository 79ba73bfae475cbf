import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { publicKeyOf } from '../../protocol/crypto.js';
import { DEFAULT_MEMBERS } from '../../testnet/members.js';
import { Testnet } from '../../testnet/network.js';
import { tempDir } from '../helpers/consortium.js';
import { until } from '../helpers/network.js';
import { tongban } from '../helpers/cli.js';
import { seedOfKeyFile, submitTo } from '../helpers/testnet-client.js';
import { DESKTOP, launch, PHONE, recordRequests, shot } from './browser.js';

// The console served by real nodes (three processes on loopback): an official imports a key file into the browser,
// opens and hands off a case at Beijing Haidian; Shanghai Pudong's official receives, accepts, decides and closes it
// from their browser; Guangzhou shows it final. The applicant sees only the public subset; a stopped member shows
// as disconnected. Screenshots go to docs/screenshots/.
const dir = tempDir('tongban-console-web-');
const ID_NUMBER = '41010219900101123X';
let net: Testnet;
let browser: Browser;
let caseId = '';
let salt = '';
const keys: Record<string, string> = {};
const url = (i: number, path: string) => `${net.members[i]!.url}${path}`;

/** Enrol an official at member i (by its admin) and write their actor key file, as `tongban operator` would. */
async function official(i: number, id: string, fill: number): Promise<string> {
  const seed = new Uint8Array(32).fill(fill);
  const admin = seedOfKeyFile(join(net.members[i]!.home, 'keys', 'admin.key'));
  const r = await submitTo(net, i, 'admin', admin, 'org.actor', { id, key: publicKeyOf(seed), roles: ['approver', 'caseworker', 'registrar'], active: true });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const path = join(dir.path, `${id}.key`);
  writeFileSync(path, JSON.stringify({ type: 'tongban-key/v1', kind: 'actor', id, seed: toHex(seed), pub: toHex(publicKeyOf(seed)) }));
  return path;
}

beforeAll(async () => {
  net = (await Testnet.create({ dir: dir.path, members: DEFAULT_MEMBERS.slice(0, 3) })).net;
  await net.startAll();
  keys.bj = await official(0, 'bj.cw', 0x41);
  keys.sh = await official(1, 'sh.ap', 0x42);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await net?.close();
  dir.cleanup();
});

/** A browser without Ed25519 in WebCrypto (older ones): importKey refuses it, so the console signs with noble. */
const NO_WEBCRYPTO_ED25519 = `{
  const importKey = crypto.subtle.importKey.bind(crypto.subtle);
  crypto.subtle.importKey = (format, data, alg, ...rest) =>
    (alg && (alg === 'Ed25519' || alg.name === 'Ed25519')) ? Promise.reject(new DOMException('Ed25519 not supported', 'NotSupportedError')) : importKey(format, data, alg, ...rest);
}`;

async function actPage(i: number, key: string, opts: { noWebCryptoEd25519?: boolean } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: DESKTOP });
  if (opts.noWebCryptoEd25519) await page.addInitScript({ content: NO_WEBCRYPTO_ED25519 });
  await page.goto(url(i, '/act'));
  await page.setInputFiles('#key-file', key);
  await page.locator('[data-key]').first().waitFor();
  return page;
}

/** Do one action on the Act page; returns the id of the record the node appended. */
async function act(page: Page, action: string, fields: Record<string, string> = {}): Promise<string> {
  const before = await page
    .locator('#act-done')
    .getAttribute('data-record', { timeout: 50 })
    .catch(() => null);
  await page.selectOption('#act-action', action);
  if (!['open', 'register', 'approve'].includes(action)) await page.fill('#f-caseId', caseId);
  for (const [k, v] of Object.entries(fields)) {
    const el = page.locator(`#f-${k}`);
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(v);
    else await el.fill(v);
  }
  await page.click('#act-submit');
  await page.waitForFunction((prev) => {
    // runs in the page (this file is type-checked without the DOM library)
    const doc = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null } }).document;
    const d = doc.querySelector('#act-done');
    return !!doc.querySelector('#act-error') || (d !== null && d.getAttribute('data-record') !== prev);
  }, before);
  const error = await page
    .locator('#act-error')
    .textContent({ timeout: 50 })
    .catch(() => null);
  expect(error, `${action}: ${error}`).toBeNull();
  return (await page.locator('#act-done').getAttribute('data-record'))!;
}

const report = async (i: number) => {
  const r = await fetch(url(i, `/v1/cases/${caseId}`));
  return r.ok ? ((await r.json()) as { state: string; timeline: { kind: string; final: boolean }[] }) : undefined;
};

describe('web console on a real consortium', () => {
  it('an official imports a key in the browser, opens and hands off a case; the handling office acts on it; another node shows it final', async () => {
    const bj = await actPage(0, keys.bj!);
    expect(await bj.locator('[data-key="bj.cw"]').innerText()).toContain('WebCrypto Ed25519');
    const requests = recordRequests(bj);
    await bj.setInputFiles('input[name=materials]', { name: '申请表.pdf', mimeType: 'application/pdf', buffer: Buffer.from('application form') });
    caseId = await act(bj, 'open', { item: '11410100MB1234567X4000111001', name: '道路运输经营许可', serial: 'BJ-2026-0001', handler: 'sh-pudong', days: '5', idType: '111', idNumber: ID_NUMBER });
    salt = /#salt=([0-9a-f]{32})/.exec(await bj.locator('#receipt-url').innerText())![1]!;
    await bj.locator('.qr svg').waitFor();
    await shot(bj, 'receipt-slip');
    // The key never left the browser: the only POSTs carry the signed request, not the seed.
    const seed = JSON.parse(readFileSync(keys.bj!, 'utf8')).seed as string;
    expect(requests.some((r) => r.includes(seed))).toBe(false);
    await act(bj, 'handoff', { to: 'sh-pudong' });
    await shot(bj, 'act');
    await bj.close();

    await until(async () => (await report(1))?.timeline.some((e) => e.kind === 'case.handoff') ?? false, 60_000, 'the handoff at sh-pudong');
    // The handling office's browser lacks WebCrypto Ed25519: the same key file signs through noble.
    const sh = await actPage(1, keys.sh!, { noWebCryptoEd25519: true });
    expect(await sh.locator('[data-key="sh.ap"]').innerText()).toContain('noble');
    await act(sh, 'receive');
    await act(sh, 'accept');
    for (const step of ['undertake', 'review', 'approve']) await act(sh, 'step', { step, opinion: 'agree' });
    await act(sh, 'close', { result: 'issued' });
    await sh.close();

    await until(
      async () => {
        const r = await report(2);
        return !!r && r.state === 'closed' && r.timeline.length === 8 && r.timeline.every((e) => e.final);
      },
      90_000,
      'the closed case final at gd-guangzhou',
    );
    const gd = await browser.newPage({ viewport: DESKTOP });
    await gd.goto(url(2, `/cases/${caseId}`));
    await gd.locator('[data-state="closed"]').waitFor();
    expect(await gd.locator('td[data-final]').count()).toBe(8);
    expect(await gd.locator('td[data-final="false"]').count()).toBe(0);
    expect(await gd.locator('main').innerText()).toContain('上海市 (310115)');
    await shot(gd, 'case');
    await gd.goto(url(2, '/cases'));
    await gd.locator(`tr[data-case="${caseId}"]`).waitFor();
    await shot(gd, 'cases');
    // Filters go to GET /v1/cases: a state the case is not in lists nothing; the opener's member as opener lists it.
    await gd.getByLabel('状态').selectOption('paused');
    await gd.getByText('没有办件。').waitFor();
    await gd.getByLabel('状态').selectOption('closed');
    await gd.getByLabel('成员').fill('bj-haidian');
    await gd.getByLabel('成员').press('Tab');
    await gd.getByLabel('角色筛选').selectOption('opener');
    await gd.locator(`tr[data-case="${caseId}"]`).waitFor();
    await gd.getByLabel('角色筛选').selectOption('handler');
    await gd.getByText('没有办件。').waitFor();
    await gd.close();
  });

  it('documents: registered at one member and approved at another from the browser, hashed locally', async () => {
    const text = Buffer.from('关于道路运输经营许可的批复');
    const doc = createHash('sha256').update(text).digest('hex');
    const bj = await actPage(0, keys.bj!);
    await bj.selectOption('#act-action', 'register');
    await bj.setInputFiles('#doc-file', { name: 'permit.txt', mimeType: 'text/plain', buffer: text });
    await expect.poll(() => bj.inputValue('#f-doc')).toBe(doc);
    await act(bj, 'register', { docType: 'permit' });
    await bj.close();
    await until(async () => (((await fetch(url(1, `/v1/docs/${doc}`)).then((r) => r.json())) as { events?: unknown[] }).events?.length ?? 0) > 0, 60_000, 'the registration at sh-pudong');
    const sh = await actPage(1, keys.sh!);
    await act(sh, 'approve', { doc, decision: 'approve', role: 'review' });
    await sh.close();
    await until(async () => ((await fetch(url(1, `/v1/docs/${doc}`)).then((r) => r.json())) as { outcome?: string }).outcome === 'approved', 60_000, 'approved');
  });

  it('the case bundle downloaded from the case page verifies on /verify with no request', async () => {
    const page = await browser.newPage({ viewport: DESKTOP, acceptDownloads: true });
    await page.goto(url(2, `/cases/${caseId}`));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载证明包' }).click()]);
    const path = join(dir.path, 'case.bundle');
    await download.saveAs(path);
    await page.goto(url(2, '/verify'));
    await page.locator('#verify-files').waitFor();
    const requests = recordRequests(page);
    const network = ((await (await fetch(url(2, '/v1/status'))).json()) as { network: string }).network;
    await page.fill('#verify-net', network);
    await page.setInputFiles('#verify-files', path);
    const v = page.locator('[data-verdict]').first();
    await v.waitFor();
    expect([await v.getAttribute('data-verdict'), await v.getAttribute('data-proofs')]).toEqual(['closed', 'sound']);
    expect(requests).toEqual([]);
    await page.close();
  });

  it("the citizen view shows state, dates and lights after the applicant's ID matches; no officials, no materials; the ID is never sent", async () => {
    const page = await browser.newPage({ viewport: PHONE });
    const requests = recordRequests(page);
    await page.goto(url(2, `/c/${caseId}#salt=${salt}`));
    await page.fill('#id-number', '41010219900101124X');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('未找到').waitFor();
    await page.fill('#id-number', ID_NUMBER);
    await page.getByRole('button', { name: '查询' }).click();
    await page.locator('.public-case[data-state="closed"]').waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('道路运输经营许可');
    for (const hidden of ['bj.cw', 'sh.ap', '申请表', 'sh-pudong', 'bj-haidian']) expect(text).not.toContain(hidden);
    expect(requests.some((r) => r.includes(ID_NUMBER) || r.includes(salt))).toBe(false);
    await shot(page, 'citizen');
    await page.close();
  });

  it('the network page shows members by region, logs and finality; a stopped member shows as disconnected', async () => {
    const page = await browser.newPage({ viewport: DESKTOP, acceptDownloads: true });
    // A pending governance proposal (the working calendar), approved so far by its proposer alone.
    const home = net.members[0]!.home;
    const calendar = fileURLToPath(new URL('../../calendars/cn-2025-2026.yaml', import.meta.url));
    const proposed = tongban(['governance', 'propose', '--home', home, '--actor', join(home, 'keys', 'admin.key'), '--calendar', calendar, '--quiet'], dir.path);
    expect(proposed.code, proposed.stderr).toBe(0);
    const proposal = proposed.stdout.trim();
    await page.goto(url(0, '/network'));
    await page.locator('tr[data-member="gd-guangzhou"][data-connection="connected"]').waitFor();
    expect(await page.locator(`[data-proposal="${proposal}"]`).innerText()).toContain('bj-haidian');
    expect(await page.locator('tr[data-member="bj-haidian"]').getAttribute('data-connection')).toBe('self');
    await net.stop(2);
    await until(
      async () => {
        await page.reload();
        return (await page.locator('tr[data-member="gd-guangzhou"]').getAttribute('data-connection')) === 'disconnected';
      },
      60_000,
      'gd-guangzhou shown disconnected',
    );
    expect(await page.locator('tr[data-member="gd-guangzhou"]').innerText()).toContain('未连接');
    await shot(page, 'network');
    await page.goto(url(0, '/supervise'));
    await page.getByRole('button', { name: '导出CSV' }).waitFor();
    await shot(page, 'supervise');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出CSV' }).click()]);
    const path = join(dir.path, 'cases.csv');
    await csv.saveAs(path);
    expect(readFileSync(path, 'utf8').split('\r\n')[0]).toBe('\ufefflight,overdue,state,item,serial,opener,handlers,openedAt,acceptedAt,closedAt,case');
    await page.close();
  });
});
