import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Ed25519Check } from '../protocol/note/note.js';
import { nodeCrypto } from './crypto-node.js';

/** One Ed25519 check (protocol's shape: what a note or record signature check asks). */
export type VerifyItem = Ed25519Check;

/** Items below which a batch is not split over several workers (one worker takes it whole). */
const MIN_SPLIT = 16;
/** Most items in one message: a worker's queued messages delay urgent work (signing a group) by at most this much each. */
const MAX_PART = 128;
/**
 * Messages a worker holds at once: two, so it has the next one at hand while the main thread is busy (building a
 * group) and cannot hand it over, and an urgent job waits behind at most one other.
 */
const IN_FLIGHT = 2;

/** What a worker is sent: one packed buffer (ledger/verify-worker.ts reads it), transferred rather than cloned item by item. */
export interface PoolMessage {
  op: 'verify' | 'sign';
  /** verify: per item pub (32) ‖ sig (64) ‖ u32 length ‖ msg; sign: seed (32), then per message u32 length ‖ msg. */
  buf: Uint8Array<ArrayBuffer>;
}

/** Items of a verify job packed, keys and signatures of the wrong length replaced by a 0 length-tag the worker answers false to. */
export function packVerify(items: VerifyItem[]): PoolMessage {
  let n = 0;
  for (const [, m] of items) n += 1 + 32 + 64 + 4 + m.length;
  const buf = new Uint8Array(n);
  const view = new DataView(buf.buffer);
  let o = 0;
  for (const [pub, m, sig] of items) {
    const ok = pub.length === 32 && sig.length === 64;
    buf[o++] = ok ? 1 : 0;
    if (ok) {
      buf.set(pub, o);
      buf.set(sig, o + 32);
    }
    view.setUint32(o + 96, m.length);
    buf.set(m, o + 100);
    o += 100 + m.length;
  }
  return { op: 'verify', buf };
}

export function packSign(seed: Uint8Array, msgs: Uint8Array[]): PoolMessage {
  let n = 32;
  for (const m of msgs) n += 4 + m.length;
  const buf = new Uint8Array(n);
  const view = new DataView(buf.buffer);
  buf.set(seed, 0);
  let o = 32;
  for (const m of msgs) {
    view.setUint32(o, m.length);
    buf.set(m, o + 4);
    o += 4 + m.length;
  }
  return { op: 'sign', buf };
}

interface Job {
  msg: PoolMessage;
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
  /** Each worker's jobs in flight, in the order it answers them (at most IN_FLIGHT, so urgent jobs overtake queued ones). */
  private readonly busy = new Map<Worker, Job[]>();
  /** Jobs waiting for a worker: urgent ones (signatures a group waits on) first. */
  private readonly urgent: Job[] = [];
  private readonly queued: Job[] = [];

  /** `workerFile`: the worker script (tests pass their own; by default ./verify-worker.js beside this module). */
  constructor(size = Math.max(1, Math.min(4, availableParallelism())), workerFile?: string) {
    const file = workerFile ?? fileURLToPath(new URL('./verify-worker.js', import.meta.url));
    if ((!workerFile && !import.meta.url.endsWith('.js')) || !existsSync(file)) return;
    for (let i = 0; i < size; i++) {
      const w = new Worker(file);
      w.unref();
      w.on('message', (m: { out: Uint8Array }) => {
        const job = this.busy.get(w)?.shift();
        job?.resolve(m.out);
        this.dispatch();
      });
      // A worker that dies fails the job it held (and, if it was the last, every queued one) instead of leaving callers waiting.
      const fail = (e: Error) => {
        const at = this.workers.indexOf(w);
        if (at < 0) return;
        this.workers.splice(at, 1);
        for (const job of this.busy.get(w) ?? []) job.reject(e);
        this.busy.delete(w);
        if (this.workers.length === 0) for (const j of [...this.urgent.splice(0), ...this.queued.splice(0)]) j.reject(e);
        else this.dispatch();
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`signature worker exited (code ${code})`)));
      this.workers.push(w);
    }
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Verdicts in order; batches below `minParallel` items are checked in the calling thread. `urgent`: ahead of queued work, as signing is. */
  async verify(items: VerifyItem[], minParallel = 64, urgent = false): Promise<boolean[]> {
    if (this.workers.length === 0 || items.length < minParallel || items.length === 0) return items.map(([p, m, s]) => nodeCrypto.verify(p, m, s));
    const parts = await Promise.all(this.split(items).map((part) => this.send(packVerify(part), urgent)));
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
    const parts = await Promise.all(this.split(msgs).map((part) => this.send(packSign(seed, part), true)));
    const out: Uint8Array[] = [];
    for (const p of parts) for (let i = 0; i < p.length; i += 64) out.push(p.slice(i, i + 64));
    return out;
  }

  /** A batch in parts of at most MAX_PART, over every worker when it is big enough (a message costs more than a few signatures). */
  private split<T>(items: T[]): T[][] {
    const chunks = Math.max(1, Math.min(this.workers.length, Math.floor(items.length / MIN_SPLIT)), Math.ceil(items.length / MAX_PART));
    const size = Math.ceil(items.length / chunks);
    return Array.from({ length: chunks }, (_, c) => items.slice(c * size, (c + 1) * size)).filter((p) => p.length > 0);
  }

  private send(msg: Job['msg'], urgent: boolean): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.workers.length === 0) return reject(new Error('no signature workers left'));
      (urgent ? this.urgent : this.queued).push({ msg, resolve, reject });
      this.dispatch();
    });
  }

  /** Hand waiting jobs to workers with room, urgent ones first, the least loaded worker first. */
  private dispatch(): void {
    for (;;) {
      if (this.urgent.length === 0 && this.queued.length === 0) return;
      let w: Worker | undefined;
      let load = IN_FLIGHT;
      for (const x of this.workers) {
        const n = this.busy.get(x)?.length ?? 0;
        if (n < load) [w, load] = [x, n];
      }
      if (!w) return;
      const job = (this.urgent.shift() ?? this.queued.shift())!;
      const held = this.busy.get(w) ?? [];
      held.push(job);
      this.busy.set(w, held);
      w.postMessage(job.msg, [job.msg.buf.buffer]);
    }
  }

  /** CPU time the workers have used so far, in µs (benchmarks: where a run's time went). */
  async cpuMicros(): Promise<number> {
    const used = await Promise.all(this.workers.map(async (w) => (w.threadId >= 0 ? await w.cpuUsage().catch(() => ({ user: 0, system: 0 })) : { user: 0, system: 0 })));
    return used.reduce((sum, u) => sum + u.user + u.system, 0);
  }

  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    const closed = new Error('the signature pool is closed');
    for (const j of [...[...this.busy.values()].flat(), ...this.urgent.splice(0), ...this.queued.splice(0)]) j.reject(closed);
    this.busy.clear();
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
