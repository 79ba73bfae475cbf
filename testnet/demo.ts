import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tongban, type Testnet } from './network.js';

export interface DemoResult {
  verified: boolean;
  doc: string;
  approvalToFinalMs: number;
  report: { proofs: string; outcome: string; stands: boolean; events: { kind: string; author: string; region: string; actor: string | null; ts: number; final: boolean; witnesses: number }[] };
}

async function until<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The cross-province story: Haidian registers a household-transfer
 * certificate, Zhengzhou reviews and approves it, Haidian shares it with
 * Pudong, Pudong uses it and verifies its provenance; a bundle is exported
 * and verified offline. Every step goes through the real `tongban` command.
 */
export async function runDemo(net: Testnet, say: (line: string) => void): Promise<DemoResult> {
  const idx = (id: string) => net.members.findIndex((m) => m.id === id);
  const [bj, sh, ha] = ['bj-haidian', 'sh-pudong', 'ha-zhengzhou'].map(idx) as [number, number, number];
  if (bj < 0 || sh < 0 || ha < 0) throw new Error('the demo needs bj-haidian, sh-pudong and ha-zhengzhou');
  const home = (i: number) => net.members[i]!.home;
  const officials = join(net.dir, 'officials');
  mkdirSync(officials, { recursive: true });
  const official = (i: number, id: string, roles: string) => {
    const key = join(officials, `${net.members[i]!.id}-${id}.key`);
    if (!existsSync(key)) tongban(['operator', 'add', '--home', home(i), '--id', id, '--roles', roles, '--out', key, '--actor', join(home(i), 'keys', 'admin.key')], net.dir);
    return key;
  };
  const liNa = official(bj, 'li.na', 'registrar');
  const wangFang = official(ha, 'wang.fang', 'approver');
  const zhouMin = official(sh, 'zhou.min', 'registrar');
  say('officials: li.na (registrar, Beijing Haidian), wang.fang (approver, Zhengzhou), zhou.min (caseworker, Shanghai Pudong)');

  const docs = join(net.dir, 'documents');
  mkdirSync(docs, { recursive: true });
  const number = `${new Date().toISOString().slice(0, 10)}-110108-${String(Date.now() % 1_000_000).padStart(6, '0')}`;
  const file = join(docs, `household-transfer-${number}.txt`);
  writeFileSync(file, `户口迁移证明 (household transfer certificate)\n编号: ${number}\n迁出地: 北京市海淀区\n迁入地: 上海市浦东新区\n`);

  const reg = JSON.parse(tongban(['doc', 'register', file, '--home', home(bj), '--actor', liNa, '--type', 'household-transfer-certificate', '--title', `户口迁移证明 ${number}`, '--json'], net.dir));
  say(`1. Haidian's registrar li.na registers certificate ${number}: sha256 ${reg.doc} (the file stays in Haidian)`);
  await until(async () => ((await net.api(ha, `/v1/docs/${reg.doc}`)).events.length > 0 ? true : undefined), 'the registration to reach Zhengzhou');
  const appr = JSON.parse(tongban(['doc', 'approve', file, '--home', home(ha), '--actor', wangFang, '--role', 'review', '--reason', '材料齐全 (documents complete)', '--json'], net.dir));
  // From the record's own timestamp (the author node's clock when it appended; one machine, one clock), so the
  // CLI process's exit is not counted against finality.
  const approvedAt = Number((await net.api(ha, `/v1/records/${appr.id}`)).record.ts);
  await until(async () => ((await net.api(ha, `/v1/records/${appr.id}`)).final ? true : undefined), 'the approval to become final');
  const approvalToFinalMs = Date.now() - approvedAt;
  say(`2. Zhengzhou's approver wang.fang reviews and approves it (final after ${approvalToFinalMs} ms: a witness quorum cosigned)`);
  tongban(['doc', 'share', file, '--home', home(bj), '--actor', liNa, '--to', 'sh-pudong', '--purpose', '跨省通办核验 (cross-province verification)'], net.dir);
  say('3. Haidian shares it with Shanghai Pudong for cross-province verification');
  await until(async () => ((await net.api(sh, `/v1/docs/${reg.doc}`)).events.some((e: { kind: string }) => e.kind === 'doc.share') ? true : undefined), 'the share to reach Pudong');
  tongban(['doc', 'access', reg.doc, '--home', home(sh), '--actor', zhouMin, '--purpose', '跨省通办核验 (cross-province verification)'], net.dir);
  say("4. Pudong's caseworker zhou.min uses it; the access is logged");
  const report = await until(async () => {
    const r = JSON.parse(tongban(['verify', reg.doc, '--home', home(sh), '--json'], net.dir).toString());
    return r.stands === true && r.events.length === 4 ? r : undefined;
  }, 'every step to become final').catch(() => JSON.parse(spawnVerify(net, reg.doc, home(sh))));
  say(`5. Pudong verifies the provenance itself from Haidian's, Zhengzhou's and its own logs: proofs ${String(report.proofs).toUpperCase()}, decision ${String(report.outcome).toUpperCase()}`);
  const bundle = join(docs, `${number}.bundle`);
  tongban(['bundle', reg.doc, '--home', home(sh), '--out', bundle], net.dir);
  const offline = tongban(['verify', reg.doc, '--bundle', bundle, '--genesis', net.genesis], net.dir);
  say(`6. The proof bundle (${bundle}) verifies offline against the genesis alone:`);
  for (const line of offline.trimEnd().split('\n')) say(`   ${line}`);
  return { verified: report.stands === true && /\nproofs: +SOUND[^\n]*\ndecision: APPROVED/.test(offline), doc: reg.doc, approvalToFinalMs, report };
}

function spawnVerify(net: Testnet, doc: string, home: string): string {
  try {
    return tongban(['verify', doc, '--home', home, '--json'], net.dir);
  } catch (e) {
    return JSON.stringify({ proofs: 'unknown', outcome: 'unknown', stands: false, events: [], error: (e as Error).message });
  }
}
