import { equalBytes, fromUtf8, readU64be, toHex, utf8 } from '../protocol/bytes.js';
import { configId, decodeConfig, type Config } from '../protocol/config/config.js';
import type { SignedConfig, VerifiedConfig } from '../protocol/config/governance.js';
import { seedSigner, type Signer } from '../protocol/signer.js';
import { decodeEnvelope, type Envelope } from '../protocol/records/record.js';
import { orgActorOf, type ActorInForce, type LogHead } from '../protocol/records/rules.js';
import type { OrgActorBody } from '../protocol/records/kinds.js';
import { consistencyProof, inclusionProof, treeHash } from '../protocol/merkle/tlog.js';
import { decodeHead, decodeValue, encodeValue } from './codec.js';
import { damaged, LedgerError } from './errors.js';
import { checkTables } from './tables.js';
import { existsSync } from 'node:fs';
import { hashReader } from './hashes.js';
import { logKey, logRange, parseLogKey, parsePairKey, u64Key } from './keys.js';
import { ledgerDefaults, type LedgerLimits } from './options.js';
import { Store } from './store.js';
import { migrateStore, schemaOp, SCHEMA_VERSION, type MigrationStep } from './schema.js';
import { LedgerEventBus, type ForkEvidence } from './events.js';
import { RecordStates } from './states.js';
import type { VerifyPool } from './verify-pool.js';
import { Writer, type WriteTx } from './writer.js';

export interface LedgerSelf {
  id: string;
  /** 32-byte Ed25519 seed of the ledger key, or: */
  seed?: Uint8Array;
  /** the ledger key as a Signer (held elsewhere, another algorithm). */
  signer?: Signer;
}

export interface LedgerOptions {
  path: string;
  /** Genesis config bytes: required to create a store, checked against an existing one. */
  genesis?: Uint8Array;
  /** This node's member id and ledger key; absent for read-only use (audit). */
  self?: LedgerSelf;
  now?: () => number;
  limits?: Partial<LedgerLimits>;
  /** Worker threads for signature checks of batches (the node passes one; tests run without). */
  verifyPool?: VerifyPool;
  /**
   * Never write (audit): no store is created, nothing is adopted or
   * re-derived, and any write fails. LevelDB itself still writes when it
   * opens a directory: open a snapshot copy (`openSnapshot`), not the store.
   */
  readOnly?: boolean;
  /** Check every table file's block checksums before opening (a node at start): a damaged file is named at once. */
  checkTables?: boolean;
}

/** Every signature the ledger makes with the member key goes through `self.signer`. */
function withSigner(self: LedgerSelf): LedgerSelf & { key: Uint8Array; signer: Signer } {
  const signer = self.signer ?? (self.seed ? seedSigner(self.seed) : undefined);
  if (!signer) throw new LedgerError('INVALID_ARGUMENT', 'self needs a seed or a signer');
  return { ...self, signer, key: signer.publicKey };
}

interface ActorVersion {
  seq: number;
  actor: ActorInForce;
}

export type { ForkEvidence } from './events.js';

/**
 * State shared by the ledger's parts: the store, the config chain, and the
 * small in-memory indexes rebuilt at open in O(members + actors), never by
 * replaying logs.
 */
export class LedgerCore {
  readonly store: Store;
  readonly net: Uint8Array;
  readonly now: () => number;
  readonly limits: LedgerLimits;
  readonly self: (LedgerSelf & { key: Uint8Array; signer: Signer }) | undefined;
  readonly pool: VerifyPool | undefined;
  chain: VerifiedConfig[];
  readonly heads = new Map<string, LogHead>();
  readonly actors = new Map<string, Map<string, ActorVersion[]>>();
  readonly forks = new Map<string, ForkEvidence>();
  readonly events = new LedgerEventBus();
  /** Every write goes through it: one transaction at a time. */
  readonly writer: Writer;
  readonly states: RecordStates;
  readonly readOnly: boolean;
  private closed = false;

  protected constructor(store: Store, net: Uint8Array, chain: VerifiedConfig[], opts: LedgerOptions) {
    this.store = store;
    this.net = net;
    this.chain = chain;
    this.now = opts.now ?? Date.now;
    this.limits = { ...ledgerDefaults, ...opts.limits };
    this.self = opts.self ? withSigner(opts.self) : undefined;
    this.pool = opts.verifyPool;
    this.readOnly = !!opts.readOnly;
    this.writer = new Writer(store, this.events);
    this.states = new RecordStates(store);
  }

  protected static async load(opts: LedgerOptions): Promise<{ store: Store; net: Uint8Array; chain: VerifiedConfig[]; migrated: MigrationStep[] }> {
    if (opts.checkTables && existsSync(opts.path)) checkTables(opts.path);
    let store: Store;
    try {
      store = await Store.open(opts.path, { readOnly: opts.readOnly });
    } catch (e) {
      throw damaged(e, opts.path);
    }
    try {
      let netBytes = await store.get('meta', utf8('net'));
      if (!netBytes && opts.readOnly) throw new LedgerError('CORRUPT', `store ${opts.path} has no network id (not a Tongban store, or damaged)`);
      if (!netBytes) {
        if (!opts.genesis) throw new LedgerError('INVALID_ARGUMENT', 'a new store needs the genesis config');
        const cfg = decodeConfig(opts.genesis);
        if (cfg.epoch !== 0) throw new LedgerError('INVALID_ARGUMENT', 'the genesis config must be epoch 0');
        netBytes = configId(opts.genesis);
        await store.write([
          store.put('cfg', u64Key(0), encodeValue({ config: opts.genesis, approvals: [] })),
          store.put('meta', utf8('net'), netBytes),
          store.put('meta', utf8('format'), utf8('tongban-ledger/1')),
          schemaOp(store, SCHEMA_VERSION),
        ]);
      } else if (opts.genesis && !equalBytes(configId(opts.genesis), netBytes)) {
        throw new LedgerError('NETWORK_MISMATCH', `store belongs to network ${toHex(netBytes)}, not ${toHex(configId(opts.genesis))}`);
      }
      const migrated = await migrateStore(store, opts.path, !!opts.readOnly);
      const chain: VerifiedConfig[] = [];
      for await (const [k, v] of store.entries('cfg', {})) {
        const x = decodeValue(v, `config of epoch ${readU64be(k)}`);
        const bytes = x.config as Uint8Array;
        const approvals = (x.approvals as { member: string; sig: Uint8Array }[]) ?? [];
        chain.push({ config: decodeConfig(bytes), id: configId(bytes), bytes, approvals });
      }
      if (chain.length === 0 || !equalBytes(chain[0]!.id, netBytes)) throw new LedgerError('CORRUPT', 'stored genesis does not match the network id');
      return { store, net: netBytes, chain, migrated };
    } catch (e) {
      await store.close();
      throw damaged(e, opts.path);
    }
  }

  protected async loadState(): Promise<void> {
    for await (const [k, v] of this.store.entries('head', {})) {
      const author = fromUtf8(k.subarray(0, k.length - 1));
      this.heads.set(author, decodeHead(v, author));
    }
    for await (const k of this.store.keys('actor', {})) {
      const parts = parsePairKey(k);
      const env = await this.envelope(parts.a, parts.n);
      if (env) this.noteActor(env);
    }
    for await (const [k, v] of this.store.entries('fork', {})) {
      const x = decodeValue(v, 'fork evidence');
      const author = fromUtf8(k.subarray(0, k.length - 1));
      this.forks.set(author, { author, a: x.a as Uint8Array, b: x.b as Uint8Array, at: x.at as number });
    }
    await this.states.load([...new Set(this.chain.flatMap((c) => c.config.members.map((m) => m.id)))], this.chain.length);
  }

  /** Track an org.actor record in the in-memory actor index. */
  noteActor(env: Envelope): void {
    const r = env.record;
    if (r.kind !== 'org.actor') return;
    const body = r.body as unknown as OrgActorBody;
    let per = this.actors.get(r.author);
    if (!per) this.actors.set(r.author, (per = new Map()));
    let versions = per.get(body.id);
    if (!versions) per.set(body.id, (versions = []));
    if (!versions.some((v) => v.seq === r.seq)) versions.push({ seq: r.seq, actor: orgActorOf(body) });
    versions.sort((x, y) => x.seq - y.seq);
  }

  /**
   * The org.actor in force for `actorId` before `seq` in `author`'s log;
   * with `tx`, the org.actor records of that write count too (the index
   * takes them once the write is durable).
   */
  actorInForce(author: string, actorId: string, seq: number, tx?: WriteTx): ActorInForce | undefined {
    let found: ActorInForce | undefined;
    let at = -1;
    for (const v of this.actors.get(author)?.get(actorId) ?? []) {
      if (v.seq >= seq) break;
      found = v.actor;
      at = v.seq;
    }
    for (const env of tx?.actors ?? []) {
      const r = env.record;
      const body = r.body as unknown as OrgActorBody;
      if (r.author === author && body.id === actorId && r.seq < seq && r.seq > at) {
        found = orgActorOf(body);
        at = r.seq;
      }
    }
    return found;
  }

  /** Index an org.actor record of `tx` once the write is durable; later records of the write see it at once. */
  stageActor(tx: WriteTx, env: Envelope): void {
    if (env.record.kind !== 'org.actor') return;
    tx.actors.push(env);
    tx.onDurable(() => this.noteActor(env));
  }

  actorSeq(author: string, actorId: string, seq: number): number | undefined {
    let found: number | undefined;
    for (const v of this.actors.get(author)?.get(actorId) ?? []) {
      if (v.seq >= seq) break;
      found = v.seq;
    }
    return found;
  }

  get config(): Config {
    return this.chain.at(-1)!.config;
  }

  get epoch(): number {
    return this.config.epoch;
  }

  get consortium(): string {
    return this.chain[0]!.config.consortium;
  }

  configFor(epoch: number): Config | undefined {
    return this.chain[epoch]?.config;
  }

  signedConfigs(upTo = this.epoch): SignedConfig[] {
    return this.chain.slice(0, upTo + 1).map((c) => ({ bytes: c.bytes, approvals: c.approvals }));
  }

  head(author: string): LogHead | null {
    return this.heads.get(author) ?? null;
  }

  size(author: string): number {
    const h = this.heads.get(author);
    return h ? h.seq + 1 : 0;
  }

  authors(): string[] {
    return [...this.heads.keys()].sort();
  }

  async envelope(author: string, seq: number): Promise<Envelope | undefined> {
    const bytes = await this.store.get('env', logKey(author, seq));
    if (!bytes) return undefined;
    try {
      return decodeEnvelope(bytes);
    } catch (e) {
      throw new LedgerError('CORRUPT', `stored envelope ${author}/${seq} is corrupt: ${(e as Error).message}`);
    }
  }

  async envelopeBytes(author: string, from: number, limit: number): Promise<Uint8Array[]> {
    if (limit <= 0) return [];
    return this.store.values('env', { ...logRange(author, from), limit });
  }

  async recordById(id: Uint8Array): Promise<Envelope | undefined> {
    const loc = await this.store.get('rid', id);
    if (!loc) return undefined;
    const { author, n } = parseLogKey(loc);
    return this.envelope(author, n);
  }

  async treeHead(author: string, size = this.size(author)): Promise<Uint8Array> {
    this.checkSize(author, size);
    return treeHash(size, hashReader(this.store, author));
  }

  async inclusionProof(author: string, index: number, size = this.size(author)): Promise<Uint8Array[]> {
    this.checkSize(author, size);
    if (!(index >= 0 && index < size)) throw new LedgerError('INVALID_ARGUMENT', `index ${index} is not below size ${size}`);
    return inclusionProof(index, size, hashReader(this.store, author));
  }

  async consistencyProof(author: string, oldSize: number, newSize = this.size(author)): Promise<Uint8Array[]> {
    this.checkSize(author, newSize);
    if (!(oldSize >= 0 && oldSize <= newSize)) throw new LedgerError('INVALID_ARGUMENT', `old size ${oldSize} is above ${newSize}`);
    return consistencyProof(oldSize, newSize, hashReader(this.store, author));
  }

  private checkSize(author: string, size: number): void {
    if (!Number.isInteger(size) || size < 0 || size > this.size(author)) {
      throw new LedgerError('INVALID_ARGUMENT', `${author}'s log has ${this.size(author)} records, not ${size}`);
    }
  }

  isForked(author: string): boolean {
    return this.forks.has(author);
  }

  assertOpen(): void {
    if (this.closed) throw new LedgerError('CLOSED', 'the ledger is closed');
  }

  async closeStore(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
  }
}
