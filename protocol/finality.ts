import { equalBytes } from './bytes.js';
import type { Config } from './config/config.js';
import { ProtocolError } from './errors.js';
import { keyId, KEY_TYPE_COSIGNATURE } from './keys.js';
import { originOf } from './names.js';
import { verifyCosignature } from './note/cosignature.js';
import type { Note, Signature } from './note/note.js';

/** A witness of one epoch as the policy knows it: member id, cosigner key name, key, key id. */
export interface PolicyWitness {
  id: string;
  name: string;
  pub: Uint8Array;
  keyId: Uint8Array;
}

/** What a checkpoint's cosignatures amount to under one epoch's policy (§6, §8). */
export interface Finality {
  /** Witnesses whose cosignature counted, with its time in ms, earliest first. */
  counted: { id: string; time: number }[];
  count: number;
  needed: number;
  final: boolean;
  /** Time the checkpoint reached quorum: the quorum-th earliest counted cosignature time (ms), or null. */
  witnessed: number | null;
}

/**
 * The witness/finality policy of one epoch (tlog-policy semantics: one
 * group of the epoch's witnesses with threshold quorum.witness, §4). Every
 * part of the system that asks "does this checkpoint count, and since when?"
 * asks this object: the ledger, the bundle verifier and audit.
 */
export class FinalityPolicy {
  readonly epoch: number;
  readonly needed: number;
  readonly witnesses: readonly PolicyWitness[];

  private constructor(cfg: Config) {
    this.epoch = cfg.epoch;
    this.needed = cfg.quorum.witness;
    this.witnesses = cfg.members
      .filter((m) => m.roles.includes('witness'))
      .map((m) => {
        const name = originOf(cfg.consortium, m.id);
        return { id: m.id, name, pub: m.key, keyId: keyId(name, KEY_TYPE_COSIGNATURE, m.key) };
      });
  }

  /** The policy of a config (memoized per config object: configs are immutable once decoded). */
  static of(cfg: Config): FinalityPolicy {
    let p = cache.get(cfg);
    if (!p) cache.set(cfg, (p = new FinalityPolicy(cfg)));
    return p;
  }

  /** The witness a signature line claims to be (by key name and key id), if it is one of this epoch's. */
  witnessOf(s: Signature): PolicyWitness | undefined {
    return this.witnesses.find((w) => w.name === s.name && equalBytes(w.keyId, s.keyId));
  }

  /**
   * Verify a checkpoint note's cosignatures under this policy. A line whose
   * key name and key id are a witness's but whose signature does not verify
   * makes the note invalid (as Go's note.Open does): COSIGNATURE_INVALID.
   * Lines of other keys are ignored. One witness counts once.
   */
  check(note: Note): Finality {
    const counted: { id: string; time: number }[] = [];
    for (const s of note.sigs) {
      const time = this.verifyLine(note.text, s);
      const id = time === undefined ? undefined : this.witnessOf(s)!.id;
      if (id !== undefined && !counted.some((c) => c.id === id)) counted.push({ id, time: time! });
    }
    return this.finality(counted);
  }

  /**
   * Verify one signature line: its time (ms) when it is this epoch's
   * witness's and verifies, undefined when the key is not one of this
   * epoch's witnesses; COSIGNATURE_INVALID when it is but does not verify.
   */
  verifyLine(text: string, s: Signature): number | undefined {
    const w = this.witnessOf(s);
    if (!w) return undefined;
    const res = verifyCosignature(text, s, { name: w.name, pub: w.pub });
    if (!res.ok) throw new ProtocolError('COSIGNATURE_INVALID', `cosignature of ${w.id} does not verify`, w.id);
    return res.time * 1000;
  }

  /** Count cosigners already verified elsewhere (member id → key that verified): those that are this epoch's witnesses with that key. */
  countVerified(cosigners: ReadonlyMap<string, Uint8Array>): number {
    let n = 0;
    for (const w of this.witnesses) {
      const pub = cosigners.get(w.id);
      if (pub && equalBytes(pub, w.pub)) n++;
    }
    return n;
  }

  isFinal(count: number): boolean {
    return count >= this.needed;
  }

  private finality(counted: { id: string; time: number }[]): Finality {
    counted.sort((a, b) => a.time - b.time);
    const final = this.isFinal(counted.length);
    return { counted, count: counted.length, needed: this.needed, final, witnessed: final && this.needed > 0 ? counted[this.needed - 1]!.time : null };
  }
}

const cache = new WeakMap<Config, FinalityPolicy>();
