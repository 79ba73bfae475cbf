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

/** A witness's key: the one its epoch names, or one a later epoch names for it while it still witnesses (a rotation, §4). */
interface WitnessKey {
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
  /** Per witness id, every key whose cosignature counts: its epoch's, then later epochs' (key rotation, §4). */
  private readonly keys = new Map<string, WitnessKey[]>();

  private constructor(cfg: Config, later: readonly Config[]) {
    this.epoch = cfg.epoch;
    this.needed = cfg.quorum.witness;
    this.witnesses = cfg.members
      .filter((m) => m.roles.includes('witness'))
      .map((m) => {
        const name = originOf(cfg.consortium, m.id);
        return { id: m.id, name, pub: m.key, keyId: keyId(name, KEY_TYPE_COSIGNATURE, m.key) };
      });
    for (const w of this.witnesses) {
      const keys: WitnessKey[] = [{ pub: w.pub, keyId: w.keyId }];
      for (const c of later) {
        const m = c.members.find((x) => x.id === w.id && x.roles.includes('witness'));
        if (m && !keys.some((k) => equalBytes(k.pub, m.key))) keys.push({ pub: m.key, keyId: keyId(w.name, KEY_TYPE_COSIGNATURE, m.key) });
      }
      this.keys.set(w.id, keys);
    }
  }

  /**
   * The policy of a config (memoized per config object: configs are immutable
   * once decoded). `later`: the configs adopted after it, in order; a witness's
   * cosignature also counts under a key a later epoch names for it (a rotated
   * witness still proves records of the epochs before its rotation), as an
   * author's checkpoint does (§8 (2)).
   */
  static of(cfg: Config, later: readonly Config[] = []): FinalityPolicy {
    let per = cache.get(cfg);
    if (!per) cache.set(cfg, (per = new WeakMap()));
    const key = later.at(-1) ?? cfg;
    let p = per.get(key);
    if (!p) per.set(key, (p = new FinalityPolicy(cfg, later)));
    return p;
  }

  /** The witness a signature line claims to be (by key name and key id), if it is one of this epoch's, with the key it names. */
  witnessOf(s: Signature): PolicyWitness | undefined {
    for (const w of this.witnesses) {
      if (w.name !== s.name) continue;
      const k = this.keys.get(w.id)!.find((x) => equalBytes(x.keyId, s.keyId));
      if (k) return { ...w, pub: k.pub, keyId: k.keyId };
    }
    return undefined;
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
      if (pub && this.keys.get(w.id)!.some((k) => equalBytes(k.pub, pub))) n++;
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

/** Policies by config, then by the newest later config they know (the chain only grows: that names the list). */
const cache = new WeakMap<Config, WeakMap<Config, FinalityPolicy>>();
