import { cpSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { Ledger } from '../../../ledger/index.js';
import { AppendRefused } from '../../../node/append-refused.js';
import { submission } from '../../helpers/consortium.js';
import { testNet, until, type TestNet } from '../../helpers/network.js';
import { registrar } from '../../helpers/registrar.js';

let t: TestNet | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Empty a node's store directory, as a lost disk or a deleted store would. */
function wipe(t: TestNet, i: number): void {
  rmSync(t.dirs[i]!, { recursive: true, force: true });
}

describe('own-log recovery after a lost or restored store', () => {
  it('a node whose store was deleted takes its log back from peers and continues at the right seq: no fork anywhere', async () => {
    t = await testNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const A = t.members[0]!.id;
    await until(() => t!.nodes[0]!.ledger.size(A) === 1, 10_000, 'first admin');
    const r = registrar(t, 0);
    await r.enrol();
    for (let k = 0; k < 5; k++) await r.register(k);
    await until(() => t!.nodes.every((n) => n!.ledger.size(A) === 7 && n!.ledger.finalSize(A) === 7), 20_000, 'replicated and final');
    await t.stop(0);
    wipe(t, 0);
    const a = await t.start(0);
    await until(() => a.safety!.recovery.recovered, 20_000, 'recovered');
    expect(a.ledger.size(A)).toBe(7);
    const next = await r.register(5);
    expect(next.seq).toBe(7);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 8) && a.ledger.finalSize(A) === 8, 20_000, 'new record replicated and final');
    for (const n of t.nodes) expect(n!.ledger.isForked(A)).toBe(false);
    expect((await a.ledger.audit()).problems).toEqual([]);
  }, 60_000);

  it('a node whose store lost its CURRENT file starts empty and takes its log back from peers', async () => {
    t = await testNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const A = t.members[0]!.id;
    await until(() => t!.nodes[0]!.ledger.size(A) === 1, 10_000, 'first admin');
    const r = registrar(t, 0);
    await r.enrol();
    await r.register(0);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 3), 20_000, 'replicated');
    await t.stop(0);
    rmSync(join(t.dirs[0]!, 'CURRENT'));
    const a = await t.start(0);
    await until(() => a.safety!.recovery.recovered, 20_000, 'recovered');
    expect(a.ledger.size(A)).toBe(3);
    expect((await r.register(1)).seq).toBe(3);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 4), 20_000, 'replicated');
    for (const n of t.nodes) expect(n!.ledger.isForked(A)).toBe(false);
  }, 60_000);

  it('a node whose write-ahead log was cut short takes back the records it lost', async () => {
    t = await testNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const A = t.members[0]!.id;
    await until(() => t!.nodes[0]!.ledger.size(A) === 1, 10_000, 'first admin');
    const r = registrar(t, 0);
    await r.enrol();
    for (let k = 0; k < 5; k++) await r.register(k);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 7), 20_000, 'replicated');
    await t.stop(0);
    // the newest writes live in LevelDB's write-ahead log (NNNNNN.log) until compaction: cut it short
    for (const f of readdirSync(t.dirs[0]!).filter((f) => /^\d+\.log$/.test(f))) {
      const path = join(t.dirs[0]!, f);
      truncateSync(path, Math.floor(statSync(path).size / 3));
    }
    const cut = await Ledger.open({ path: t.dirs[0]!, genesis: t.genesis });
    expect(cut.size(A)).toBeLessThan(7);
    await cut.close();
    const a = await t.start(0);
    await until(() => a.safety!.recovery.recovered, 20_000, 'recovered');
    expect(a.ledger.size(A)).toBe(7);
    expect((await r.register(9)).seq).toBe(7);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 8), 20_000, 'replicated');
    for (const n of t.nodes) expect(n!.ledger.isForked(A)).toBe(false);
  }, 60_000);

  it('a node restored from an old backup recovers the records signed after it', async () => {
    t = await testNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const A = t.members[0]!.id;
    await until(() => t!.nodes[0]!.ledger.size(A) === 1, 10_000, 'first admin');
    const r = registrar(t, 0);
    await r.enrol();
    await t.stop(0);
    const backup = `${t.dirs[0]}.backup`;
    cpSync(t.dirs[0]!, backup, { recursive: true });
    const before = await t.start(0);
    await until(() => before.safety!.recovery.recovered, 20_000, 'recovered after a clean restart');
    for (let k = 0; k < 3; k++) await r.register(k);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 5), 20_000, 'replicated');
    await t.stop(0);
    wipe(t, 0);
    cpSync(backup, t.dirs[0]!, { recursive: true });
    rmSync(backup, { recursive: true, force: true });
    const a = await t.start(0);
    expect(a.ledger.size(A)).toBe(2);
    await until(() => a.safety!.recovery.recovered, 20_000, 'recovered');
    expect(a.ledger.size(A)).toBe(5);
    expect((await r.register(9)).seq).toBe(5);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 6), 20_000, 'replicated');
    for (const n of t.nodes) expect(n!.ledger.isForked(A)).toBe(false);
  }, 60_000);

  it('refuses to append (503 RECOVERING) until it has heard from enough witnesses, then recovers', async () => {
    t = await testNet(3);
    await Promise.all([0, 1, 2].map((i) => t!.start(i)));
    const A = t.members[0]!.id;
    await until(() => t!.nodes.every((n) => n!.ledger.size(A) === 1), 10_000, 'first admin replicated');
    const r = registrar(t, 0);
    await r.enrol();
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 2), 20_000, 'replicated');
    await Promise.all([0, 1, 2].map((i) => t!.stop(i)));
    wipe(t, 0);
    // alone, or with one of the two other witnesses (3 witnesses, quorum 2: 2 must answer), it must not sign
    const a = await t.start(0);
    await t.start(1);
    await until(() => a.host.getPeers().length === 1, 10_000, 'one peer connected');
    const url = await a.startApi('127.0.0.1', 0);
    // what the one peer holds is taken back at once; appends still wait for a second witness
    await until(() => a.ledger.size(A) === 2, 10_000, 'records taken back from the one peer');
    expect(a.safety!.recovery.recovered).toBe(false);
    await expect(r.enrol()).rejects.toBeInstanceOf(AppendRefused);
    await expect(r.enrol()).rejects.toMatchObject({ code: 'RECOVERING' });
    // nor cosign: its witness state was lost with the store
    const B = t.members[1]!.id;
    await until(() => a.ledger.checkpoints.list(B).some((c) => c.checkpoint.size <= a.ledger.size(B)), 10_000, 'a checkpoint of B it could cosign');
    const cp = a.ledger.checkpoints.list(B).find((c) => c.checkpoint.size <= a.ledger.size(B))!;
    await expect(a.ledger.cosign(B, cp.checkpoint.size)).rejects.toMatchObject({ code: 'RECOVERING' });
    const m = t.members[0]!;
    const sub = submission(t.net, m.id, 'admin', m.adminSeed, 'org.actor', { id: 'x', key: publicKeyOf(new Uint8Array(32).fill(0x31)), roles: ['registrar'], active: true });
    const res = await fetch(`${url}/v1/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: Buffer.from(sub.request).toString('base64'), actor: sub.actor, sig: Buffer.from(sub.sig).toString('base64') }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('RECOVERING');
    // nor does it sign a governance approval: an approval given before the loss may not be known yet
    const gov = submission(t.net, m.id, 'admin', m.adminSeed, 'gov.sign', { config: new Uint8Array(32).fill(7) });
    const g = await fetch(`${url}/v1/governance/approvals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: Buffer.from(gov.request).toString('base64'), actor: gov.actor, sig: Buffer.from(gov.sig).toString('base64') }),
    });
    expect(g.status).toBe(503);
    const st = (await (await fetch(`${url}/v1/status`)).json()) as { appendRefused: { code: string } | null };
    expect(st.appendRefused?.code).toBe('RECOVERING');
    await t.start(2);
    await until(() => a.safety!.recovery.recovered, 20_000, 'recovered once the second witness answers');
    expect((await r.register(1)).seq).toBe(2);
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(A) === 3), 20_000, 'replicated');
    for (const n of t.nodes) expect(n!.ledger.isForked(A)).toBe(false);
  }, 60_000);

  it('a new member whose log is empty everywhere appends its first admin; alone only with acceptEmptyLog', async () => {
    t = await testNet(3);
    const A = t.members[0]!.id;
    const a = await t.start(0);
    expect(a.safety!.recovery.recovered).toBe(false);
    expect(a.ledger.size(A)).toBe(0);
    await t.stop(0);
    const b = await t.start(0, { acceptEmptyLog: true });
    await until(() => b.ledger.size(A) === 1, 10_000, 'first admin appended alone');
    await Promise.all([1, 2].map((i) => t!.start(i)));
    await until(() => [1, 2].every((i) => t!.nodes[i]!.ledger.size(t!.members[i]!.id) === 1 && t!.nodes[i]!.ledger.size(A) === 1), 20_000, 'others start and replicate');
  }, 60_000);
});
