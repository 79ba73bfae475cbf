import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nodeCrypto } from './crypto-node.js';

export type VerifyItem = [pub: Uint8Array, msg: Uint8Array, sig: Uint8Array];

/** Items below which a batch is not split over several workers (one worker takes it whole). */
const MIN_SPLIT = 16;

interface Waiting {
  resolve: (out: Uint8Array) => void;
  reject: (e: Error) => void;
}

/**
 * Ed25519 verification (and signing with a seed) on worker threads, so the
 * signature work of a batch uses every core while the main thread does the
 * rest. Runs from TypeScript sources (tests) have no workers and do the work
 * in the calling thread.
 */
export class VerifyPool {
  private readonly workers: Worker[] = [];
  private next = 0;
  private seq = 0;
  private readonly pending = new Map<number, Waiting & { worker: Worker }>();

  constructor(size = Math.max(1, Math.min(4, availableParallelism()))) {
    const file = fileURLToPath(new URL('./verify-worker.js', import.meta.url));
    if (!import.meta.url.endsWith('.js') || !existsSync(file)) return;
    for (let i = 0; i < size; i++) {
      const w = new Worker(file);
      w.unref();
      w.on('message', (m: { id: number; out: Uint8Array }) => {
        this.pending.get(m.id)?.resolve(m.out);
        this.pending.delete(m.id);
      });
      // A worker that dies fails what it held instead of leaving its callers waiting forever.
      const fail = (e: Error) => {
        for (const [id, p] of this.pending) {
          if (p.worker !== w) continue;
          this.pending.delete(id);
          p.reject(e);
        }
        const at = this.workers.indexOf(w);
        if (at >= 0) this.workers.splice(at, 1);
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`signature worker exited (code ${code})`)));
      this.workers.push(w);
    }
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Verdicts in order; batches below `minParallel` items are checked in the calling thread. */
  async verify(items: VerifyItem[], minParallel = 64): Promise<boolean[]> {
    if (this.workers.length === 0 || items.length < minParallel || items.length === 0) return items.map(([p, m, s]) => nodeCrypto.verify(p, m, s));
    const parts = await Promise.all(this.split(items).map((part) => this.send({ op: 'verify', items: part })));
    const out: boolean[] = [];
    for (const p of parts) for (const b of p) out.push(b === 1);
    return out;
  }

  /**
   * Ed25519 signatures of `msgs` with the 32-byte `seed`, in order, made on the
   * workers (in the calling thread when there are none).
   */
  async sign(seed: Uint8Array, msgs: Uint8Array[]): Promise<Uint8Array[]> {
    if (this.workers.length === 0 || msgs.length === 0) return msgs.map((m) => nodeCrypto.sign(seed, m));
    const parts = await Promise.all(this.split(msgs).map((part) => this.send({ op: 'sign', seed, msgs: part })));
    const out: Uint8Array[] = [];
    for (const p of parts) for (let i = 0; i < p.length; i += 64) out.push(p.slice(i, i + 64));
    return out;
  }

  /** A batch in one part per worker, or whole when small (a message costs more than a few signatures). */
  private split<T>(items: T[]): T[][] {
    const chunks = Math.max(1, Math.min(this.workers.length, Math.floor(items.length / MIN_SPLIT)));
    const size = Math.ceil(items.length / chunks);
    return Array.from({ length: chunks }, (_, c) => items.slice(c * size, (c + 1) * size)).filter((p) => p.length > 0);
  }

  private send(msg: { op: 'verify'; items: VerifyItem[] } | { op: 'sign'; seed: Uint8Array; msgs: Uint8Array[] }): Promise<Uint8Array> {
    const id = ++this.seq;
    const w = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      w.postMessage({ id, ...msg });
    });
  }

  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
