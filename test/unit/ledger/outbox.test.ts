import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../../ledger/index.js';
import { Outbox, type NewEvent } from '../../../ledger/outbox.js';
import { tempDir, testConsortium } from '../../helpers/consortium.js';

const { members, genesis } = testConsortium(1);
const A = members[0]!;
let dir: { path: string; cleanup: () => void };
const open = () => Ledger.open({ path: dir.path, genesis, self: { id: A.id, seed: A.seed } });
const ev = (n: number): NewEvent => ({ type: 'record.final', at: n, member: A.id, data: { n } });

beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

describe('event outbox', () => {
  it('gives events ids that grow by one, across reopening, with their cursor in the same write', async () => {
    let l = await open();
    let o = await Outbox.open(l, { firstId: 1 });
    const heard: number[] = [];
    o.onAppended((evs) => heard.push(...evs.map((e) => e.id)));
    await o.write(async (w) => {
      w.add(ev(1));
      w.add(ev(2));
      w.cursor('rec/x', 7);
    });
    expect(heard).toEqual([1, 2]);
    expect(o.lastId).toBe(2);
    await l.close();
    l = await open();
    o = await Outbox.open(l, { firstId: 1 });
    expect(o.lastId).toBe(2);
    expect(await o.cursor('rec/x')).toBe(7);
    await o.write(async (w) => void w.add(ev(3)));
    expect((await o.read(0, 10)).map((e) => [e.id, e.data.n])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect((await o.read(1, 1)).map((e) => e.id)).toEqual([2]);
    await l.close();
  });

  it('a failed write stores no event and no cursor, and reuses no id', async () => {
    const l = await open();
    const o = await Outbox.open(l, { firstId: 1 });
    await o.write(async (w) => void w.add(ev(1)));
    const write = l.store.write.bind(l.store);
    l.store.write = async () => {
      throw new Error('disk full');
    };
    await expect(
      o.write(async (w) => {
        w.add(ev(2));
        w.cursor('rec/x', 9);
      }),
    ).rejects.toThrow('disk full');
    l.store.write = write;
    expect(o.lastId).toBe(1);
    expect(await o.cursor('rec/x')).toBeUndefined();
    await o.write(async (w) => void w.add(ev(3)));
    expect((await o.read(0, 10)).map((e) => [e.id, e.data.n])).toEqual([
      [1, 1],
      [2, 3],
    ]);
    await l.close();
  });

  it('keeps the newest retainEvents events and says which is the oldest held', async () => {
    let l = await open();
    let o = await Outbox.open(l, { retainEvents: 3, firstId: 1 });
    for (let i = 1; i <= 5; i++) await o.write(async (w) => void w.add(ev(i)));
    expect((await o.read(0, 10)).map((e) => e.id)).toEqual([3, 4, 5]);
    expect([o.oldestId, o.prunedTo]).toEqual([3, 2]);
    await o.write(async (w) => {
      for (let i = 6; i <= 9; i++) w.add(ev(i));
    });
    expect((await o.read(0, 10)).map((e) => e.id)).toEqual([7, 8, 9]);
    await l.close();
    l = await open();
    o = await Outbox.open(l, { retainEvents: 3, firstId: 1 });
    expect([o.oldestId, o.lastId, o.prunedTo]).toEqual([7, 9, 6]);
    await l.close();
  });

  it("numbers a new store's events from its creation time, so ids keep growing across a store rebuilt from peers", async () => {
    const before = Date.now() * 1000;
    const l = await open();
    const o = await Outbox.open(l);
    expect(o.lastId + 1).toBeGreaterThanOrEqual(before);
    expect(o.lastId + 1).toBeLessThanOrEqual(Date.now() * 1000);
    expect(Number.isSafeInteger(o.lastId + 1e9)).toBe(true);
    const [e] = await o.write(async (w) => [w.add(ev(1))]);
    expect(e!.id).toBe(o.lastId);
    await l.close();
  });
});
