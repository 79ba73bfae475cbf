import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import type { CborMap } from '../../../protocol/cbor.js';
import { publicKeyOf } from '../../../protocol/crypto.js';
import { Ledger } from '../../../ledger/index.js';
import { noteOf } from '../../../ledger/checkpoints.js';
import { Outbox, type OutboxEvent } from '../../../ledger/outbox.js';
import { dayOf, dayStart } from '../../../protocol/cases/calendar.js';
import { Metrics } from '../../../node/metrics.js';
import { EventSource } from '../../../node/services/event-source.js';
import { firstAdmin, submission, tempDir, testConsortium } from '../../helpers/consortium.js';

/**
 * Case events at the ledger level: the node refuses case.* requests over HTTP
 * in this branch (CASES_UNSUPPORTED until the ledger's case view lands), so
 * the case records are appended through the ledger API (own log) and
 * accepted as a peer's log, and the event source derives from the ledger.
 */
const { members, genesis, net } = testConsortium(2);
const [ZZ, HD] = members as [(typeof members)[0], (typeof members)[0]];
const cw = new Uint8Array(32).fill(0x61);
const ap = new Uint8Array(32).fill(0x62);
const H = (b: number) => new Uint8Array(32).fill(b);
const log = pino({ level: 'silent' });

let dirs: { path: string; cleanup: () => void }[];
let zz: Ledger;
let hd: Ledger;

async function enrol(l: Ledger, m: typeof ZZ) {
  await l.append(firstAdmin(m));
  await l.append(submission(net, m.id, 'admin', m.adminSeed, 'org.actor', { id: 'cw', key: publicKeyOf(cw), roles: ['caseworker'], active: true }));
  await l.append(submission(net, m.id, 'admin', m.adminSeed, 'org.actor', { id: 'ap', key: publicKeyOf(ap), roles: ['approver'], active: true }));
}
const by = (l: Ledger, m: typeof ZZ, actor: 'cw' | 'ap', kind: string, body: CborMap, refs?: Uint8Array[]) => l.append(submission(net, m.id, actor, actor === 'cw' ? cw : ap, kind, body, refs));
/** A case.open body handled by HD: `serial` and `mode` as given, a limit of `days` (`calendar` days), no materials. */
const caseOpen = (serial: string, mode: 'proxy' | 'online', calendar: 'working' | 'natural' = 'working', days = 3): CborMap => ({
  item: 'X1',
  name: 'n',
  mode,
  serial,
  applicant: H(1),
  handlers: [HD.id],
  limit: { days, calendar },
  materials: [],
});
/** HD takes ZZ's new records, as replication would. */
const replicate = async () => void (await hd.acceptForeign(ZZ.id, await zz.envelopeBytes(ZZ.id, hd.size(ZZ.id), 1000)));

async function source(l: Ledger, now?: () => number) {
  const outbox = await Outbox.open(l, { firstId: 1 });
  const s = new EventSource({ now }, { ledger: l, log, metrics: new Metrics(), outbox, caseRecords: (id) => l.caseRecords(id) });
  return { outbox, s };
}
const all = (o: Outbox) => o.read(0, 10_000);
const types = (evs: OutboxEvent[]) => evs.map((e) => e.type);

beforeEach(async () => {
  dirs = [tempDir(), tempDir()];
  zz = await Ledger.open({ path: dirs[0]!.path, genesis, self: { id: ZZ.id, seed: ZZ.seed } });
  hd = await Ledger.open({ path: dirs[1]!.path, genesis, self: { id: HD.id, seed: HD.seed } });
  await enrol(zz, ZZ);
  await enrol(hd, HD);
});
afterEach(async () => {
  await Promise.all([zz.close(), hd.close()]);
  for (const d of dirs) d.cleanup();
});

/** An event source on `ledger` that notes the id of every case whose records it reads (a report it builds). */
function recordingSource(ledger: Ledger, outbox: Outbox): { s: EventSource; read: string[] } {
  const read: string[] = [];
  const caseRecords = (id: Uint8Array) => {
    read.push(toHex(id));
    return ledger.caseRecords(id);
  };
  return { s: new EventSource({}, { ledger, log, metrics: new Metrics(), outbox, caseRecords }), read };
}

/**
 * A second ledger of member ZZ whose clock runs 30 minutes behind (a node that backdates, 补录), with its admin and
 * caseworker `cw` enrolled at those times; `at()` is its clock.
 */
async function backdatingZZ(): Promise<{ old: Ledger; at: () => number }> {
  const back = 30 * 60_000;
  const dir = tempDir();
  dirs.push(dir);
  const at = () => Date.now() - back;
  const old = await Ledger.open({ path: dir.path, genesis, self: { id: ZZ.id, seed: ZZ.seed }, now: at });
  await old.append(firstAdmin(ZZ));
  await old.append(submission(net, ZZ.id, 'admin', ZZ.adminSeed, 'org.actor', { id: 'cw', key: publicKeyOf(cw), roles: ['caseworker'], active: true }, undefined, at()));
  return { old, at };
}

describe('record.final events (ledger level)', () => {
  it('each carries the time of the first checkpoint that made its record final, when one pass derives records made final by several checkpoints', async () => {
    // Three rounds, each making a few more of ZZ's records final at ZZ (quorum 2 of 2), before the source runs.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i <= round; i++) {
        await zz.append(submission(net, ZZ.id, 'admin', ZZ.adminSeed, 'org.actor', { id: `x${round}${i}`, key: publicKeyOf(H(0x10 + round * 4 + i)), roles: ['caseworker'], active: true }));
      }
      await replicate();
      const cp = await zz.signCheckpoint();
      await hd.addCheckpoint(noteOf(cp));
      await zz.addCheckpoint(noteOf(await hd.cosign(ZZ.id, cp.checkpoint.size)));
      await zz.cosign(ZZ.id, cp.checkpoint.size);
      expect(zz.finalSize(ZZ.id)).toBe(zz.size(ZZ.id));
      await new Promise((r) => setTimeout(r, 5)); // the next round's mark at a later millisecond
    }
    const marks = await zz.states.finalMarks(ZZ.id, 0);
    expect(marks.length).toBe(3);
    expect(new Set(marks.map((m) => m.at)).size).toBe(3);
    const { outbox, s } = await source(zz);
    s.start();
    await s.idle();
    const finals = (await all(outbox)).filter((e) => e.type === 'record.final');
    expect(finals.map((e) => e.data.seq)).toEqual([...Array(zz.size(ZZ.id)).keys()]);
    for (const e of finals) {
      const { seq, finalAt } = e.data as { seq: number; finalAt: number };
      expect(finalAt, `seq ${seq}`).toBe(marks.find((m) => m.size > seq)!.at);
    }
    await s.stop();
  });
});

describe('case events (ledger level)', () => {
  it('the handling office hears of the case, the hand-off to it, each record, its light, a red light at a later day boundary, and the close', async () => {
    const { outbox, s } = await source(hd);
    s.start();
    const open = await by(zz, ZZ, 'cw', 'case.open', {
      item: '11410100MB1234567X4000111001',
      name: '道路运输经营许可',
      mode: 'proxy',
      serial: 'ZZ-1',
      applicant: H(1),
      handlers: [HD.id],
      limit: { days: 5, calendar: 'working' },
      materials: [{ name: '申请表', doc: H(2), form: 'electronic', original: false }],
    });
    const id = open.id;
    const handoff = await by(zz, ZZ, 'cw', 'case.handoff', { to: HD.id, purpose: 'handle', via: 'network', materials: [H(2)] }, [id]);
    await replicate();
    await s.idle();
    await by(hd, HD, 'cw', 'case.receipt', { complete: true }, [id, handoff.id]);
    await by(hd, HD, 'cw', 'case.accept', { decision: 'accept' }, [id]);
    await s.idle();
    let evs = await all(outbox);
    expect(types(evs)).toEqual(['case.opened', 'case.handoff', 'case.updated', 'case.updated', 'case.alert']);
    expect(evs.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(evs.every((e) => e.member === HD.id && e.caseId === toHex(id))).toBe(true);
    expect(evs[0]!).toMatchObject({ recordId: toHex(id), data: { serial: 'ZZ-1', role: 'handler', author: ZZ.id } });
    expect(evs[1]!).toMatchObject({ recordId: toHex(handoff.id), data: { from: ZZ.id, to: HD.id, via: 'network', purpose: 'handle' } });
    expect(evs[4]!.data).toMatchObject({ reason: 'record', light: 'green', previous: null, state: 'in-progress', allowed: 5 });

    // the next day boundaries: nothing changes while green; far later the light turns red (once)
    await s.reevaluate(Date.now() + 3600_000);
    expect((await all(outbox)).length).toBe(5);
    const later = Date.now() + 60 * 86_400_000;
    await s.reevaluate(later);
    await s.reevaluate(later + 86_400_000);
    evs = await all(outbox);
    expect(types(evs).slice(5)).toEqual(['case.alert']);
    expect(evs[5]!).toMatchObject({ at: later, data: { reason: 'day', light: 'red', previous: 'green' } });
    expect(evs[5]!.data.overdue).toBeGreaterThan(0);

    await by(hd, HD, 'ap', 'case.close', { result: 'issued', license: 'E-LIC-1' }, [id]);
    await s.idle();
    evs = await all(outbox);
    expect(types(evs).slice(6)).toEqual(['case.closed', 'case.alert']);
    expect(evs[6]!.data).toMatchObject({ result: 'issued', state: 'closed' });
    expect(evs[7]!.data).toMatchObject({ light: null, previous: 'red', state: 'closed' });
    // a closed case is no longer re-evaluated
    await s.reevaluate(later + 10 * 86_400_000);
    expect((await all(outbox)).length).toBe(8);
    await s.stop();
  });

  it('the opener does not get case.handoff for a hand-off to another member, and a record that breaks C.4 is marked ignored', async () => {
    const { outbox, s } = await source(zz);
    s.start();
    const open = await by(zz, ZZ, 'cw', 'case.open', caseOpen('ZZ-2', 'proxy', 'natural'));
    await by(zz, ZZ, 'cw', 'case.handoff', { to: HD.id, purpose: 'handle', via: 'network', materials: [H(3)] }, [open.id]);
    // ZZ is not a handler: its accept does not count (the ledger takes it; only the node's C.4 check would refuse it)
    const bad = await by(zz, ZZ, 'cw', 'case.accept', { decision: 'accept' }, [open.id]);
    await s.idle();
    const evs = await all(outbox);
    expect(types(evs)).toEqual(['case.opened', 'case.updated', 'case.updated']);
    expect(evs[0]!.data).toMatchObject({ role: 'opener' });
    expect(evs[2]!).toMatchObject({ recordId: toHex(bad.id), data: { ignored: 'not-handler', state: 'received' } });
    await s.stop();
  });

  it('derives what was written while it was stopped, from its durable cursors, without repeating anything', async () => {
    let { outbox, s } = await source(hd);
    s.start();
    const open = await by(hd, HD, 'cw', 'case.open', caseOpen('HD-1', 'online'));
    await s.idle();
    await s.stop();
    await by(hd, HD, 'cw', 'case.accept', { decision: 'accept' }, [open.id]);
    await by(hd, HD, 'ap', 'case.step', { step: 'review', opinion: 'agree' }, [open.id]);
    ({ outbox, s } = await source(hd));
    s.start();
    await s.idle();
    await s.stop();
    ({ outbox, s } = await source(hd));
    s.start();
    await s.idle();
    const evs = await all(outbox);
    // each event tells the case as it stood after its record: the light comes with the accept, before the step
    expect(types(evs)).toEqual(['case.opened', 'case.updated', 'case.alert', 'case.updated']);
    expect(evs.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    await s.stop();
  });

  it('one pass writes the events and cursors of every log in one write (records of two logs, then finals)', async () => {
    const open = await by(zz, ZZ, 'cw', 'case.open', caseOpen('ZZ-9', 'proxy'));
    await replicate();
    await by(hd, HD, 'cw', 'case.accept', { decision: 'accept' }, [open.id]);
    // ZZ's records final at HD (quorum 2 of 2)
    const cp = await zz.signCheckpoint();
    await hd.addCheckpoint(noteOf(cp));
    await zz.addCheckpoint(noteOf(await hd.cosign(ZZ.id, cp.checkpoint.size)));
    await hd.addCheckpoint(noteOf(await zz.cosign(ZZ.id, cp.checkpoint.size)));
    expect(hd.isFinal(ZZ.id, open.seq, 0)).toBe(true);
    const cursorWrites: string[][] = [];
    const write = hd.store.write.bind(hd.store);
    hd.store.write = async (ops, sync) => {
      const names = ops
        .filter((o) => o.type === 'put')
        .map((o) => new TextDecoder().decode(o.key))
        .filter((k) => /^(rec|fin)\//.test(k));
      if (names.length > 0) cursorWrites.push(names.sort());
      return write(ops, sync);
    };
    const { outbox, s } = await source(hd);
    s.start();
    await s.idle();
    // the same events, in the same order, as a write per log gave
    expect(types(await all(outbox))).toEqual(['case.opened', 'record.final', 'case.updated', 'case.alert']);
    expect(cursorWrites).toEqual([[`fin/${ZZ.id}`, `rec/${HD.id}`, `rec/${ZZ.id}`].sort()]);
    expect(await outbox.cursor(`rec/${ZZ.id}`)).toBe(hd.size(ZZ.id));
    expect(await outbox.cursor(`rec/${HD.id}`)).toBe(hd.size(HD.id));
    expect(await outbox.cursor(`fin/${ZZ.id}`)).toBe(cp.checkpoint.size);
    await s.stop();
  });

  it('a write of several logs that fails leaves every cursor where it was: after a restart each event is derived once', async () => {
    const open = await by(zz, ZZ, 'cw', 'case.open', caseOpen('ZZ-10', 'proxy'));
    await replicate();
    await by(hd, HD, 'cw', 'case.accept', { decision: 'accept' }, [open.id]);
    const write = hd.store.write.bind(hd.store);
    let refused = 0;
    hd.store.write = async (ops, sync) => {
      if (ops.some((o) => o.type === 'put' && new TextDecoder().decode(o.key).startsWith('rec/'))) {
        refused++;
        throw new Error('crash before the write is on disk');
      }
      return write(ops, sync);
    };
    let { outbox, s } = await source(hd);
    s.start();
    await s.idle();
    await s.stop();
    expect(refused).toBeGreaterThan(0);
    expect([await all(outbox), await outbox.cursor(`rec/${ZZ.id}`), await outbox.cursor(`rec/${HD.id}`)]).toEqual([[], undefined, undefined]);
    hd.store.write = write;
    ({ outbox, s } = await source(hd));
    s.start();
    await s.idle();
    const evs = await all(outbox);
    expect(types(evs)).toEqual(['case.opened', 'case.updated', 'case.alert']);
    expect(evs.map((e) => e.id)).toEqual([1, 2, 3]);
    await s.stop();
  });

  it('re-evaluates open cases when the day turns (CST): the light goes red at the first instant after the due day', async () => {
    let { outbox, s } = await source(hd);
    s.start();
    const open = await by(hd, HD, 'cw', 'case.open', caseOpen('HD-9', 'online', 'natural'));
    const accept = await by(hd, HD, 'cw', 'case.accept', { decision: 'accept' }, [open.id]);
    await s.idle();
    await s.stop();
    // due: the end of the 3rd natural day after the acceptance day; the node's clock is moved to 40 ms before the next day starts
    const boundary = dayStart(dayOf(accept.envelope.record.ts) + 4);
    const shift = boundary - 40 - Date.now();
    ({ outbox, s } = await source(hd, () => Date.now() + shift));
    const red = new Promise<OutboxEvent>((resolve) => outbox.onAppended((evs) => evs.forEach((e) => e.type === 'case.alert' && e.data.light === 'red' && resolve(e))));
    s.start(); // the day timer fires at the boundary
    const e = await red;
    expect(e.at).toBeGreaterThanOrEqual(boundary);
    expect(e.data).toMatchObject({ reason: 'day', light: 'red', overdue: 1 });
    await s.stop();
  });

  it('a day boundary reads the records (builds the report) only of the cases whose light changes', async () => {
    const open = (serial: string, days: number) => by(hd, HD, 'cw', 'case.open', caseOpen(serial, 'online', 'natural', days));
    const soon = await open('HD-S', 3);
    const late = await open('HD-L', 300);
    for (const c of [soon, late]) await by(hd, HD, 'cw', 'case.accept', { decision: 'accept' }, [c.id]);
    const outbox = await Outbox.open(hd, { firstId: 1 });
    const { s, read } = recordingSource(hd, outbox);
    s.start();
    await s.idle();
    read.length = 0;
    const n = (await all(outbox)).length;
    await s.reevaluate(Date.now() + 86_400_000); // both still green
    expect([read, (await all(outbox)).length]).toEqual([[], n]);
    await s.reevaluate(Date.now() + 10 * 86_400_000); // the 3-day case is red
    expect(read).toEqual([toHex(soon.id)]);
    const evs = (await all(outbox)).slice(n);
    expect(evs.map((e) => [e.type, e.caseId, e.data.light, e.data.reason])).toEqual([['case.alert', toHex(soon.id), 'red', 'day']]);
    await s.stop();
  });

  it('a derivation whose write fails loses nothing: it is tried again from the cursors', async () => {
    const open = await by(hd, HD, 'cw', 'case.open', caseOpen('HD-5', 'online'));
    await by(hd, HD, 'cw', 'case.accept', { decision: 'accept' }, [open.id]);
    const write = hd.store.write.bind(hd.store);
    let failed = 0;
    hd.store.write = async (...args) => {
      if (failed++ === 0) throw new Error('disk full');
      return write(...args);
    };
    const { outbox, s } = await source(hd);
    const done = new Promise<void>((resolve) => outbox.onAppended((evs) => evs.some((e) => e.type === 'case.alert') && resolve()));
    s.start();
    await done;
    expect(failed).toBeGreaterThan(1);
    const evs = await all(outbox);
    expect(types(evs)).toEqual(['case.opened', 'case.updated', 'case.alert']);
    expect(evs.map((e) => e.id)).toEqual([1, 2, 3]);
    await s.stop();
  });

  it('reads its cursors from the store once, not at each pass, and again after a write that failed (issue 16)', async () => {
    const { outbox, s } = await source(hd);
    const reads = vi.spyOn(outbox, 'cursor');
    s.start();
    await by(hd, HD, 'cw', 'case.open', caseOpen('HD-6', 'online'));
    await s.idle();
    const first = reads.mock.calls.length;
    expect(first).toBe(2 * hd.authors().length);
    const more = await by(hd, HD, 'cw', 'case.open', caseOpen('HD-7', 'online'));
    await by(hd, HD, 'cw', 'case.accept', { decision: 'accept' }, [more.id]);
    await s.idle();
    expect(reads.mock.calls.length).toBe(first);
    const write = hd.store.write.bind(hd.store);
    let failed = 0;
    hd.store.write = async (ops, sync) => {
      // the event source's next write (it moves a cursor) fails once
      if (ops.some((o) => o.type === 'put' && new TextDecoder().decode(o.key).startsWith('rec/')) && failed++ === 0) throw new Error('disk full');
      return write(ops, sync);
    };
    const done = new Promise<void>((resolve) => outbox.onAppended((evs) => evs.some((e) => e.type === 'case.opened' && e.data.serial === 'HD-8') && resolve()));
    await by(hd, HD, 'cw', 'case.open', caseOpen('HD-8', 'online'));
    await done;
    expect(reads.mock.calls.length).toBe(2 * first);
    const opened = (await all(outbox)).filter((e) => e.type === 'case.opened').map((e) => e.data.serial);
    expect(opened).toEqual(['HD-6', 'HD-7', 'HD-8']);
    await s.stop();
  });

  it('a day boundary reads finality, not records, for a late entry already announced', async () => {
    const { old, at } = await backdatingZZ();
    const body = { item: 'X1', name: 'n', mode: 'proxy', serial: 'ZZ-8', applicant: H(1), handlers: [HD.id], limit: { days: 3, calendar: 'working' }, materials: [] };
    await old.append(submission(net, ZZ.id, 'cw', cw, 'case.open', body, undefined, at()));
    const outbox = await Outbox.open(hd, { firstId: 1 });
    const { s, read } = recordingSource(hd, outbox);
    s.start();
    await hd.acceptForeign(ZZ.id, await old.envelopeBytes(ZZ.id, 0, 100));
    const cp = await old.signCheckpoint();
    await hd.addCheckpoint(noteOf(cp));
    await old.addCheckpoint(noteOf(await hd.cosign(ZZ.id, cp.checkpoint.size)));
    await hd.addCheckpoint(noteOf(await old.cosign(ZZ.id, cp.checkpoint.size)));
    await s.idle();
    const n = (await all(outbox)).length;
    expect((await all(outbox)).at(-1)!.data).toMatchObject({ raised: ['late-entry'] });
    read.length = 0;
    // the summary's records are final: their witnessing is looked up (once per checkpoint), late-entry still holds
    await s.reevaluate(Date.now() + 86_400_000);
    expect([read, (await all(outbox)).length]).toEqual([[], n]);
    await old.close();
    await s.stop();
  });

  it('a case record witnessed long after its claimed time raises late-entry when it becomes final', async () => {
    // ZZ's node claims times 30 minutes in the past (补录); HD receives, cosigns, and sees the checkpoint reach quorum now
    const { old, at } = await backdatingZZ();
    const open = await old.append(submission(net, ZZ.id, 'cw', cw, 'case.open', caseOpen('ZZ-7', 'proxy'), undefined, at()));
    const { outbox, s } = await source(hd);
    s.start();
    await hd.acceptForeign(ZZ.id, await old.envelopeBytes(ZZ.id, 0, 100));
    await s.idle();
    expect(types(await all(outbox))).toEqual(['case.opened']);
    const cp = await old.signCheckpoint();
    await hd.addCheckpoint(noteOf(cp));
    const mine = await hd.cosign(ZZ.id, cp.checkpoint.size);
    const theirs = await old.cosign(ZZ.id, cp.checkpoint.size);
    await old.addCheckpoint(noteOf(mine));
    await hd.addCheckpoint(noteOf(theirs)); // quorum 2 of 2: final at HD now, witnessed at HD's cosignature time
    expect(hd.isFinal(ZZ.id, open.seq, 0)).toBe(true);
    await s.idle();
    const evs = await all(outbox);
    // Of another member's log only case records are announced final (its org.actor records are not).
    expect(types(evs)).toEqual(['case.opened', 'record.final', 'case.alert']);
    expect(evs.at(-1)!.data).toMatchObject({ reason: 'final', light: null, raised: ['late-entry'] });
    await old.close();
    await s.stop();
  });
});
