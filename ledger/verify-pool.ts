import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nodeCrypto } from './crypto-node.js';

export type VerifyItem = [pub: Uint8Array, msg: Uint8Array, sig: Uint8Array];

/**
 * Ed25519 verification on worker threads, so signature checks of a batch use
 * every core while the main thread does the rest. Small batches, and runs
 * from TypeScript sources (tests), verify in the calling thread.
 */
export class VerifyPool {
  private readonly workers: Worker[] = [];
  private next = 0;
  private seq = 0;
  private readonly pending = new Map<number, (out: Uint8Array) => void>();

  constructor(size = Math.max(1, Math.min(4, availableParallelism()))) {
    const file = fileURLToPath(new URL('./verify-worker.js', import.meta.url));
    if (!import.meta.url.endsWith('.js') || !existsSync(file)) return;
    for (let i = 0; i < size; i++) {
      const w = new Worker(file);
      w.unref();
      w.on('message', (m: { id: number; out: Uint8Array }) => {
        this.pending.get(m.id)?.(m.out);
        this.pending.delete(m.id);
      });
      this.workers.push(w);
    }
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Verdicts in order; items below `minParallel` are checked here. */
  async verify(items: VerifyItem[], minParallel = 64): Promise<boolean[]> {
    if (this.workers.length === 0 || items.length < minParallel) return items.map(([p, m, s]) => nodeCrypto.verify(p, m, s));
    const chunks = this.workers.length;
    const size = Math.ceil(items.length / chunks);
    const parts = await Promise.all(
      Array.from({ length: chunks }, (_, c) => items.slice(c * size, (c + 1) * size))
        .filter((p) => p.length > 0)
        .map((part) => this.send(part)),
    );
    const out: boolean[] = [];
    for (const p of parts) for (const b of p) out.push(b === 1);
    return out;
  }

  private send(items: VerifyItem[]): Promise<Uint8Array> {
    const id = ++this.seq;
    const w = this.workers[this.next++ % this.workers.length]!;
    const packed = packItems(items);
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      w.postMessage({ id, packed }, [packed.buffer as ArrayBuffer]);
    });
  }

  /** CPU time the workers have used so far, in µs (benchmarks: where a run's time went). */
  async cpuMicros(): Promise<number> {
    const used = await Promise.all(this.workers.map(async (w) => (w.threadId >= 0 ? await w.cpuUsage().catch(() => ({ user: 0, system: 0 })) : { user: 0, system: 0 })));
    return used.reduce((sum, u) => sum + u.user + u.system, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/**
 * Items in one transferable buffer instead of three small arrays each (structured cloning thousands of
 * them cost both threads more than the copy): per item, u32 lengths of key, message and signature, then
 * the three, one after another.
 */
export function packItems(items: VerifyItem[]): Uint8Array {
  let size = 0;
  for (const [p, m, s] of items) size += 12 + p.length + m.length + s.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let o = 0;
  for (const item of items) {
    for (let k = 0; k < 3; k++) view.setUint32(o + 4 * k, item[k]!.length);
    o += 12;
    for (const part of item) {
      out.set(part, o);
      o += part.length;
    }
  }
  return out;
}

/** The items of `packItems`, as views of `packed`. */
export function unpackItems(packed: Uint8Array): VerifyItem[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const out: VerifyItem[] = [];
  let o = 0;
  while (o < packed.length) {
    const lp = view.getUint32(o);
    const lm = view.getUint32(o + 4);
    const ls = view.getUint32(o + 8);
    o += 12;
    const p = packed.subarray(o, (o += lp));
    const m = packed.subarray(o, (o += lm));
    const s = packed.subarray(o, (o += ls));
    out.push([p, m, s]);
  }
  return out;
}
