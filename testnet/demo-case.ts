import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseReport } from '../protocol/cases/report.js';
import { tongban, type Testnet } from './network.js';

export interface CaseDemoResult {
  verified: boolean;
  case: string;
}

/** Chinese and English labels for the steps of the case report (CASES.md kinds and their actions). */
const STEP_LABELS: Record<string, string> = {
  'case.open': '收件 opened',
  'case.handoff': '移交 handed over',
  'case.receipt': '签收 received',
  'case.accept': '受理 accepted',
  'case.clock': '计时 clock',
  'case.step': '审批环节 step',
  'case.close': '办结 closed',
  'case.deliver': '送达 delivered',
  'case.evaluate': '评价 rated',
  'case.supervise': '监察 supervised',
};

/** The case report as `tongban case show --json` prints it (protocol/cases/report.ts). */
type Report = CaseReport;

async function until<T>(fn: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined;
    try {
      v = fn();
    } catch {
      v = undefined;
    }
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The case report as a bilingual (Chinese / English) text block. */
export function bilingualReport(r: Report): string[] {
  const detail = (e: Report['timeline'][number]) =>
    ['action', 'step', 'decision', 'to', 'purpose', 'via', 'reason', 'result', 'license', 'score', 'channel', 'complete']
      .filter((k) => e[k] !== undefined && e[k] !== null)
      .map((k) => `${k}=${String(e[k])}`)
      .join(' ');
  const lines = [
    `办件编号 case id:        ${r.case}`,
    `事项 item:               ${r.name} (${r.item})`,
    `办理模式 mode:           ${r.mode}; 受理号 serial ${r.serial}`,
    `收件地 received at:      ${r.opener}`,
    `办理地 handled by:       ${r.handlers.join(', ')}`,
    `状态 state:              ${r.state.toUpperCase()}${r.result ? ` (${r.result})` : ''}`,
    `受理 accepted:           ${r.acceptedAt ?? '-'}`,
    `法定期限 due:            ${r.due ?? '-'} (${r.allowed ?? '-'} working days allowed, ${r.counted ?? '-'} counted, ${r.paused ?? 0} paused)`,
    `办结 closed:             ${r.closedAt ?? '-'}${r.lateDays ? `, ${r.lateDays} day(s) late` : ''}`,
    `信号灯 light:            ${(r.light ?? 'none').toUpperCase()}`,
    '流程 timeline:',
    ...r.timeline.map((e) => `  ${e.ts}  ${(STEP_LABELS[e.kind] ?? e.kind).padEnd(18)} ${e.member}${e.actor ? `/${e.actor}` : ''}  ${detail(e)}${e.final ? '' : '  (not final yet)'}`.trimEnd()),
    '移交 hand-offs:',
    ...r.hops.map((h) => `  ${h.from} -> ${h.to} (${h.purpose}, ${h.via}) ${h.received ? `签收 received after ${h.hours} h` : '未签收 not received'}`),
  ];
  return lines;
}

/**
 * The 异地代收代办 story (CASES.md): an applicant from Zhengzhou applies in
 * Zhengzhou for an item handled by Beijing Haidian. Zhengzhou opens the case
 * and hands the materials over; Haidian receives, accepts, pauses for an
 * inspection, resumes, undertakes, reviews, approves, closes with an
 * e-licence and hands the result back; Zhengzhou delivers; the applicant
 * rates it; a supervisor at a third member claims it; the third member
 * verifies the case bundle offline. Every step is a real `tongban` command.
 */
export async function runCaseDemo(net: Testnet, say: (line: string) => void): Promise<CaseDemoResult> {
  const idx = (id: string) => net.members.findIndex((m) => m.id === id);
  const [bj, sh, ha] = ['bj-haidian', 'sh-pudong', 'ha-zhengzhou'].map(idx) as [number, number, number];
  if (bj < 0 || sh < 0 || ha < 0) throw new Error('the case demo needs bj-haidian, sh-pudong and ha-zhengzhou');
  const home = (i: number) => net.members[i]!.home;
  const officials = join(net.dir, 'officials');
  mkdirSync(officials, { recursive: true });
  const official = (i: number, id: string, roles: string) => {
    const key = join(officials, `${net.members[i]!.id}-${id}.key`);
    if (!existsSync(key)) tongban(['operator', 'add', '--home', home(i), '--id', id, '--roles', roles, '--out', key, '--actor', join(home(i), 'keys', 'admin.key'), '--wait', 'replicated'], net.dir);
    return key;
  };
  const zzCw = official(ha, 'sun.li', 'caseworker');
  const hdCw = official(bj, 'zhang.wei', 'caseworker');
  const hdAp = official(bj, 'chen.jing', 'approver');
  const shSv = official(sh, 'gao.yan', 'supervisor');
  say('officials: sun.li (caseworker, Zhengzhou), zhang.wei (caseworker) and chen.jing (approver, Beijing Haidian), gao.yan (supervisor, Shanghai Pudong)');

  const dir = join(net.dir, 'cases');
  mkdirSync(dir, { recursive: true });
  const stamp = `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${String(Date.now() % 1_000_000).padStart(6, '0')}`;
  const serial = `ZZ-${stamp}`;
  const form = join(dir, `application-${stamp}.txt`);
  writeFileSync(form, `申请表 (application form)\n事项: 道路运输经营许可\n申请人: 郑州市居民\n收件地: 河南省郑州市 (410100)\n办理地: 北京市海淀区 (110108)\n`);
  const json = (args: string[]) => JSON.parse(tongban([...args, '--json'], net.dir));
  const show = (i: number, id: string): Report => JSON.parse(tongban(['case', 'show', id, '--home', home(i), '--json'], net.dir));
  const has = (i: number, id: string, rid: string) => (show(i, id).timeline.some((e) => e.id === rid) ? true : undefined);

  /** `case open` at Zhengzhou for an item Haidian handles: the two demo cases differ in serial, limit and applicant. */
  const openArgs = (serial: string, days: number, idNumber: string) => [
    '--home',
    home(ha),
    '--actor',
    zzCw,
    '--item',
    '11110108MB1234567X4000111001',
    '--name',
    '道路运输经营许可',
    '--mode',
    'proxy',
    '--serial',
    serial,
    '--handler',
    'bj-haidian',
    '--days',
    String(days),
    '--id-type',
    '111',
    '--id-number',
    idNumber,
    '--material',
    `申请表=${form},paper`,
  ];
  // 1. Zhengzhou opens the case; the applicant gets the receipt slip.
  const slip = tongban(['case', 'open', ...openArgs(serial, 20, '41010219900101123X'), '--qr', join(dir, `slip-${stamp}.png`)], net.dir);
  const id = /case +([0-9a-f]{64})/.exec(slip)?.[1] ?? /([0-9a-f]{64})/.exec(slip)?.[1];
  if (!id) throw new Error(`no case id on the receipt slip:\n${slip}`);
  say(`1. Zhengzhou's caseworker sun.li opens case ${id.slice(0, 16)}… (serial ${serial}) for an applicant from Zhengzhou; the receipt slip (受理回执):`);
  for (const line of slip
    .trimEnd()
    .split('\n')
    .filter((l) => l.trim() !== '' && !/[▀▄█]/.test(l)))
    say(`   ${line}`);
  say(`   (the slip's QR code is printed in the terminal and saved as ${join(dir, `slip-${stamp}.png`)})`);

  // 2. Zhengzhou hands the materials over to Haidian.
  const h = json(['case', 'handoff', id, '--home', home(ha), '--actor', zzCw, '--to', 'bj-haidian', '--via', 'post', '--tracking', `EMS${stamp.replace('-', '')}`, '--wait', 'replicated']);
  say('2. Zhengzhou hands the paper materials over to Beijing Haidian by post (case.handoff)');
  await until(() => has(bj, id, h.id), 'the handoff to reach Haidian');

  // 3. Haidian works the case.
  json(['case', 'receive', id, '--home', home(bj), '--actor', hdCw]);
  json(['case', 'accept', id, '--home', home(bj), '--actor', hdCw]);
  say("3. Haidian's caseworker zhang.wei receives the materials (complete) and accepts the case: the 20-working-day clock starts the next day");
  json(['case', 'pause', id, '--home', home(bj), '--actor', hdAp, '--reason', 'inspection']);
  json(['case', 'resume', id, '--home', home(bj), '--actor', hdAp]);
  say("4. Haidian's approver chen.jing pauses the clock for an on-site inspection, then resumes it");
  json(['case', 'step', id, '--home', home(bj), '--actor', hdCw, '--step', 'undertake']);
  json(['case', 'step', id, '--home', home(bj), '--actor', hdAp, '--step', 'review']);
  json(['case', 'step', id, '--home', home(bj), '--actor', hdAp, '--step', 'approve']);
  say('5. zhang.wei undertakes (承办), chen.jing reviews (审核) and approves (审批)');
  const license = `110108-${new Date().getFullYear()}-${String(Date.now() % 1_000_000).padStart(6, '0')}`;
  json(['case', 'close', id, '--home', home(bj), '--actor', hdAp, '--result', 'issued', '--license', license, '--wait', 'final']);
  const back = json(['case', 'handoff', id, '--home', home(bj), '--actor', hdCw, '--to', 'ha-zhengzhou', '--purpose', 'return', '--via', 'network', '--wait', 'replicated']);
  say(`6. Haidian closes the case, issuing e-licence ${license} (final: a witness quorum cosigned), and hands the result back to Zhengzhou`);

  // 4. Zhengzhou delivers; the applicant rates it.
  await until(() => has(ha, id, back.id), 'the result to reach Zhengzhou');
  json(['case', 'receive', id, '--home', home(ha), '--actor', zzCw]);
  json(['case', 'deliver', id, '--home', home(ha), '--actor', zzCw, '--via', 'pickup']);
  json(['case', 'evaluate', id, '--home', home(ha), '--actor', zzCw, '--score', '5', '--channel', 'window']);
  say('7. Zhengzhou receives the result, delivers the licence at the window; the applicant rates the service 5/5 (好差评)');

  // 5. A supervisor at a third member claims it.
  await until(() => (show(sh, id).state === 'closed' ? true : undefined), 'the case to reach Pudong');
  const sv = json(['case', 'supervise', id, '--home', home(sh), '--actor', shSv, '--action', 'claim', '--wait', 'final']);
  say("8. Pudong's supervisor gao.yan claims the case for supervision (电子监察)");

  // 6. The third member exports the bundle once every record is final, and verifies it offline.
  const r = await until(() => {
    const rep = show(sh, id);
    return rep.timeline.length === 15 && rep.timeline.every((e) => e.final) && rep.timeline.some((e) => e.id === sv.id) ? rep : undefined;
  }, 'every step of the case to become final at Pudong');
  say('');
  say('办件报告 / case report (at Shanghai Pudong):');
  for (const line of bilingualReport(r)) say(`   ${line}`);
  say('');
  const bundle = join(dir, `case-${stamp}.bundle`);
  await until(() => (tongban(['case', 'bundle', id, '--home', home(sh), '--out', bundle], net.dir), true), 'the case bundle');
  let offline = '';
  let ok = false;
  try {
    offline = tongban(['case', 'verify', id, '--bundle', bundle, '--genesis', net.genesis], net.dir);
    ok = true;
  } catch (e) {
    offline = (e as Error).message;
  }
  say(`9. Pudong verifies the case bundle (${bundle}) offline against the genesis alone:`);
  for (const line of offline
    .trimEnd()
    .split('\n')
    .filter((l) => /^(proofs|case):/.test(l)))
    say(`   ${line}`);

  // 7. A second case, accepted in Haidian with a 5-working-day limit and not closed: evaluated as of 30 days later,
  // its light is red (the same report any node computes for that instant).
  const serial2 = `ZZ-${stamp}-2`;
  const o2 = json(['case', 'open', ...openArgs(serial2, 5, '41010219850505001X')]);
  const h2 = json(['case', 'handoff', o2.case, '--home', home(ha), '--actor', zzCw, '--to', 'bj-haidian', '--via', 'network', '--wait', 'replicated']);
  await until(() => has(bj, o2.case, h2.id), 'the second handoff to reach Haidian');
  json(['case', 'receive', o2.case, '--home', home(bj), '--actor', hdCw]);
  json(['case', 'accept', o2.case, '--home', home(bj), '--actor', hdCw, '--wait', 'replicated']);
  const later = Date.now() + 30 * 86_400_000;
  const late = await until(() => {
    const rep: Report = JSON.parse(tongban(['case', 'show', o2.case, '--home', home(sh), '--as-of', String(later), '--json'], net.dir));
    return rep.acceptedAt ? rep : undefined;
  }, 'the second case to be accepted at Pudong');
  say('');
  say(`10. A second case (serial ${serial2}, 5 working days) is accepted in Haidian and left open; Pudong evaluates it as of ${late.asOf}:`);
  say(`    状态 state ${late.state.toUpperCase()}, 法定期限 due ${late.due}, 信号灯 light ${(late.light ?? 'none').toUpperCase()}${late.overdue ? `, 超期 overdue ${late.overdue} day(s)` : ''}`);
  const verified = late.light === 'red' && ok && /^proofs: SOUND/m.test(offline) && /^case: +CLOSED \(issued\)/m.test(offline) && r.state === 'closed' && r.ignored.length === 0;
  return { verified, case: id };
}
