import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../../protocol/bytes.js';
import { LedgerEventBus } from '../../../ledger/events.js';
import { Store } from '../../../ledger/store.js';
import { URGENT_RUN, Writer, type WritePriority } from '../../../ledger/writer.js';
import { tempDir } from '../../helpers/consortium.js';

let dir: { path: string; cleanup: () => void };
let store: Store;
let writer: Writer;

beforeEach(async () => {
  dir = tempDir();
  store = await Store.open(dir.path);
  writer = new Writer(store, new LedgerEventBus());
});
afterEach(async () => {
  await store.close();
  dir.cleanup();
});

/** A transaction that holds the lock (once this resolves) until `release` is called. */
async function holdLock(): Promise<{ release: () => void; done: Promise<void> }> {
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  let started = () => {};
  const running = new Promise<void>((r) => (started = r));
  const done = writer.run(() => {
    started();
    return held;
  });
  await running;
  return { release, done };
}

/** Queue `name` at `priority`: it records when its build runs and writes one key. */
function queue(order: string[], name: string, priority: WritePriority): Promise<void> {
  return writer.run(async (tx) => {
    order.push(name);
    tx.put('meta', utf8(`test/${name}`), utf8(name));
  }, priority);
}

describe('the write lock', () => {
  it('starts queued urgent transactions before queued bulk ones, each queue in its order', async () => {
    const lock = await holdLock();
    const order: string[] = [];
    const all = [queue(order, 'bulk1', 'bulk'), queue(order, 'urgent1', 'urgent'), queue(order, 'bulk2', 'bulk'), queue(order, 'urgent2', 'urgent')];
    lock.release();
    await Promise.all([lock.done, ...all]);
    expect(order).toEqual(['urgent1', 'urgent2', 'bulk1', 'bulk2']);
    // each one written, as before
    for (const n of order) expect(await store.get('meta', utf8(`test/${n}`))).toEqual(utf8(n));
  });

  it(`lets a waiting bulk transaction go after ${URGENT_RUN} urgent ones in a row: bulk work is delayed, not starved`, async () => {
    const lock = await holdLock();
    const order: string[] = [];
    const all = [queue(order, 'bulk', 'bulk'), ...Array.from({ length: URGENT_RUN + 2 }, (_, i) => queue(order, `u${i}`, 'urgent'))];
    lock.release();
    await Promise.all([lock.done, ...all]);
    expect(order.indexOf('bulk')).toBe(URGENT_RUN);
    expect(order.filter((n) => n !== 'bulk')).toEqual(Array.from({ length: URGENT_RUN + 2 }, (_, i) => `u${i}`));
  });

  it('runs one transaction at a time, and a failed one fails only its caller', async () => {
    let running = 0;
    let most = 0;
    const one = (fail: boolean, priority: WritePriority) =>
      writer.run(async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setImmediate(r));
        running--;
        if (fail) throw new Error('refused');
      }, priority);
    const results = await Promise.allSettled([one(false, 'bulk'), one(true, 'urgent'), one(false, 'urgent'), one(false, 'bulk')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(most).toBe(1);
  });

  it('idle() resolves only once every transaction queued before it, of either priority, has finished', async () => {
    const lock = await holdLock();
    const order: string[] = [];
    const all = [queue(order, 'b', 'bulk'), ...Array.from({ length: URGENT_RUN + 3 }, (_, i) => queue(order, `u${i}`, 'urgent'))];
    const idle = writer.idle().then(() => order.length);
    lock.release();
    expect(await idle).toBe(URGENT_RUN + 4);
    await Promise.all(all);
  });
});
