import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from 'pino';
import { equalBytes, utf8 } from '../protocol/bytes.js';
import type { CborMap } from '../protocol/cbor.js';
import { RecordRejected } from '../protocol/records/rules.js';
import { Ledger, LedgerError } from '../ledger/index.js';
import { noteOf } from '../ledger/checkpoints.js';
import type { Metrics } from './metrics.js';
import type { NodeOptions } from './options.js';
import type { Host } from './p2p/host.js';
import { OwnCheckpoints } from './own-checkpoints.js';
import { parseEnvelopes, parseHeads, parseHeadsMessage, parseNoteMessage, parseSyncRequest, type Head } from './p2p/messages.js';
import { callRpc, serveRpc } from './p2p/rpc.js';
import { decodeMessage, encodeMessage, protocolIds, WireError } from './p2p/wire.js';
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub';
import { formatNote, parseNote, type Note } from '../protocol/note/note.js';
import { parseCheckpoint } from '../protocol/note/checkpoint.js';

/**
 * Replication and witnessing (§6, §7): serves sync and governance requests,
 * gossips checkpoints, fetches what it lacks from peers, cosigns validated
 * logs, and turns conflicting data into fork evidence.
 */
export class Replicator {
  private readonly ids;
  private readonly syncing = new Map<string, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly own: OwnCheckpoints;
  /** Cosignatures made on gossip, waiting to be gossiped in turn if the author does not gather them. */
  private readonly laterGossip = new Set<string>();
  /** Authors that ask this witness for cosignatures: they collect them by request, no gossip needed. */
  private readonly gatherers = new Set<string>();
  /** Gossiped notes not yet taken, one per author (the largest size; lines of one text merged). */
  private readonly inbox = new Map<string, { text: string; size: number; note: Note; from: PeerId }>();
  private readonly taking = new Set<string>();
  private antiEntropyTicks = 0;
  /** Heads messages parsed by the topic validator, handed to the message handler. */
  private readonly parsed = new WeakMap<Message, ReturnType<typeof parseHeadsMessage>>();
  private stopped = false;

  /** Whether this node cosigns (a witness member may run without witnessing). */
  witness = true;

  constructor(
    private readonly ledger: Ledger,
    private readonly host: Host,
    private readonly opts: NodeOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    this.ids = protocolIds(ledger.net);
    this.own = new OwnCheckpoints({ ledger, host, opts, log, metrics, ids: this.ids, publish: (m, reason) => this.publish(m, reason), cosignOwn: (self) => this.maybeCosign(self, false) });
  }

  private get selfId(): string | undefined {
    return this.ledger.self?.id;
  }

  /** The member id of a log origin (`<consortium>/<member>`); checked as a member by the ledger, not here. */
  private authorOf(origin: string): string {
    return origin.slice(this.ledger.consortium.length + 1);
  }

  async start(): Promise<void> {
    const rpcOpts = { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs, maxInboundStreams: this.opts.maxInboundStreams };
    await serveRpc(this.host, this.ids.sync, (req) => this.serveSync(req), rpcOpts);
    await serveRpc(this.host, this.ids.governance, (req) => this.serveGovernance(req), rpcOpts);
    await serveRpc(this.host, this.ids.witness, (req, from) => this.serveWitness(req, from), rpcOpts);
    const pubsub = this.host.services.pubsub;
    pubsub.topicValidators.set(this.ids.heads, (_peer, msg) => this.validateGossip(msg));
    pubsub.subscribe(this.ids.heads);
    pubsub.addEventListener('gossipsub:message', (evt) => {
      const { msg, propagationSource } = evt.detail;
      if (msg.topic === this.ids.heads) void this.onGossip(msg, propagationSource).catch((e) => this.log.warn({ err: e }, 'gossip handling failed'));
    });
    this.host.addEventListener('peer:connect', (evt) => {
      void this.catchUp(evt.detail).catch((e) => this.log.debug({ err: e, peer: evt.detail.toString() }, 'catch-up failed'));
    });
    this.every(this.opts.checkpointIntervalMs, () => this.own.publish());
    this.every(this.opts.cosignRetryMs, () => this.own.retry());
    this.every(this.opts.antiEntropyMs, () => this.antiEntropy());
  }

  private every(ms: number, fn: () => Promise<void>): void {
    let busy = false;
    const t = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      fn()
        .catch((e) => {
          if (!this.stopped) this.log.warn({ err: e instanceof Error ? e : new Error(String(e)) }, 'periodic task failed');
        })
        .finally(() => (busy = false));
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }

  // ---- serving ----

  private async serveSync(req: CborMap): Promise<CborMap> {
    const r = parseSyncRequest(req, this.opts.syncMaxRecords);
    if (r.t === 'range') {
      const envs = await this.ledger.envelopeBytes(r.author, r.from, Math.min(r.limit, this.opts.syncMaxRecords));
      const out: Uint8Array[] = [];
      let bytes = 0;
      for (const e of envs) {
        if (bytes + e.length > this.opts.syncMaxBytes) break;
        out.push(e);
        bytes += e.length;
      }
      return { envelopes: out };
    }
    const heads: CborMap[] = [];
    for (const author of this.ledger.authors()) {
      const size = this.ledger.size(author);
      const rootSize = Math.min(size, r.sizes[author] ?? size);
      const cp = this.ledger.checkpoints.latest(author);
      heads.push({ author, size, rootSize, root: await this.ledger.treeHead(author, rootSize), note: cp ? noteOf(cp) : undefined });
    }
    return { heads };
  }

  private async serveGovernance(req: CborMap): Promise<CborMap> {
    const from = typeof req.from === 'number' && Number.isSafeInteger(req.from) && req.from >= 0 ? req.from : 0;
    const configs = this.ledger.signedConfigs().slice(from, from + 100);
    return { configs: configs.map((c) => ({ config: c.bytes, approvals: c.approvals.map((a) => ({ member: a.member, sig: a.sig })) })) };
  }

  /**
   * An author asks for a cosignature: take its note (fetching the records it
   * covers from the author), cosign if the §6 rules allow, and answer with
   * what is held for that checkpoint. Nothing is gossiped: the author gathers
   * the cosignatures and gossips the note once.
   */
  private async serveWitness(req: CborMap, from: PeerId): Promise<CborMap> {
    const { note } = parseNoteMessage(req, 'witness request');
    if (!note) throw new WireError('witness request needs a note');
    const text = parseNote(note).text;
    const cp = parseCheckpoint(text);
    this.metrics.witnessRequests.inc({ direction: 'in', outcome: 'received' });
    const author = this.authorOf(cp.origin);
    if (this.peerOf(author)?.equals(from)) this.gatherers.add(author);
    await this.takeNote(note, from, false);
    const held = this.ledger.checkpoints.list(author).find((c) => c.text === text);
    return held ? { note: noteOf(held) } : {};
  }

  // ---- gossip ----

  private validateGossip(msg: Message): TopicValidatorResult {
    try {
      if (msg.data.length > this.opts.maxGossipBytes) throw new Error('too large');
      const m = parseHeadsMessage(decodeMessage(msg.data, this.opts.maxGossipBytes));
      this.parsed.set(msg, m);
      if ('note' in m) {
        const note = parseNote(m.note);
        const cp = parseCheckpoint(note.text);
        const author = this.authorOf(cp.origin);
        if (!cp.origin.startsWith(`${this.ledger.consortium}/`) || !this.ledger.config.members.some((x) => x.id === author)) throw new Error('not a member log');
      }
      return TopicValidatorResult.Accept;
    } catch {
      this.metrics.validationFailures.inc({ rule: 'GOSSIP' });
      return TopicValidatorResult.Reject;
    }
  }

  private async onGossip(msg: Message, from: PeerId): Promise<void> {
    const m = this.parsed.get(msg) ?? parseHeadsMessage(decodeMessage(msg.data, this.opts.maxGossipBytes));
    this.metrics.gossip.inc({ direction: 'in', reason: 'fork' in m ? 'fork' : 'note' });
    if ('fork' in m) {
      if (!this.ledger.isForked(m.fork.author)) await this.ledger.acceptForkEvidence(m.fork.author, m.fork.a, m.fork.b);
      return;
    }
    const note = parseNote(m.note);
    const cp = parseCheckpoint(note.text);
    const author = this.authorOf(cp.origin);
    const queued = this.inbox.get(author);
    if (queued && queued.text === note.text) {
      for (const s of note.sigs) if (!queued.note.sigs.some((q) => q.name === s.name && equalBytes(q.sig, s.sig))) queued.note.sigs.push(s);
    } else if (!queued || cp.size > queued.size) {
      this.inbox.set(author, { text: note.text, size: cp.size, note, from });
    }
    await this.drainInbox(author);
  }

  /**
   * Take an author's gossiped notes one at a time. Under load notes arrive
   * faster than they are taken; queued per author and coalesced, the backlog
   * stays one note per member instead of growing without bound (and holding
   * up appends behind the write lock).
   */
  private async drainInbox(author: string): Promise<void> {
    if (this.taking.has(author)) return;
    this.taking.add(author);
    try {
      for (let item = this.inbox.get(author); item && !this.stopped; item = this.inbox.get(author)) {
        this.inbox.delete(author);
        await this.takeNote(formatNote(item.note), item.from).catch((e) => this.log.debug({ err: e, author }, 'gossiped note not taken'));
      }
    } finally {
      this.taking.delete(author);
    }
  }

  /** Take a checkpoint note (gossip or heads): store, fetch what it covers, cosign. */
  async takeNote(note: string, from?: PeerId, gossipCosignature = true): Promise<void> {
    let out;
    try {
      out = await this.ledger.addCheckpoint(note);
    } catch (e) {
      if (e instanceof LedgerError && e.code === 'CHECKPOINT_CONFLICT' && from) {
        // The author's checkpoint disagrees with the records held: fetch the peer's copy to find the fork.
        const cp = parseCheckpoint(parseNote(note).text);
        await this.findFork(this.authorOf(cp.origin), from, cp.size);
        return;
      }
      this.metrics.validationFailures.inc({ rule: e instanceof LedgerError ? e.code : 'CHECKPOINT' });
      throw e;
    }
    if (out.status === 'fork') {
      this.publish({ fork: { author: out.author, a: utf8(out.a), b: utf8(out.b) } }, 'fork');
      return;
    }
    const author = out.checkpoint.author;
    if (author === this.selfId) return;
    if (out.checkpoint.checkpoint.size > this.ledger.size(author) && from) await this.syncAuthor(author, from, out.checkpoint.checkpoint.size);
    await this.maybeCosign(author, gossipCosignature);
  }

  private publish(m: CborMap, reason: string): void {
    this.metrics.gossip.inc({ direction: 'out', reason });
    void this.host.services.pubsub.publish(this.ids.heads, encodeMessage(m)).catch((e) => this.log.debug({ err: e }, 'publish failed'));
  }

  /**
   * Cosign, in order, every held checkpoint of `author` this node can check and
   * has not cosigned, and gossip each. Cosigning only the newest would scatter
   * the witnesses over different sizes under load, and no single checkpoint
   * would gather a quorum. `gossip` false: the cosignatures go back to the
   * author that asked for them instead.
   */
  async maybeCosign(author: string, gossip = true): Promise<void> {
    const self = this.ledger.self;
    if (!self || !this.witness || this.ledger.isForked(author)) return;
    const me = this.ledger.config.members.find((m) => m.id === self.id);
    if (!me?.roles.includes('witness')) return;
    const held = this.ledger.size(author);
    // Records already final need no more cosignatures: with many witnesses the late ones stay quiet.
    const final = this.ledger.finalSize(author);
    const uncosigned = this.ledger.checkpoints.list(author).filter((c) => c.checkpoint.size <= held && c.checkpoint.size > final && !c.cosigners.has(self.id));
    if (uncosigned.length === 0) return;
    const state = await this.ledger.checkpoints.witnessState(uncosigned[0]!.checkpoint.origin);
    for (const cp of uncosigned) {
      if (state && state.size > cp.checkpoint.size) continue;
      try {
        const signed = await this.ledger.cosign(author, cp.checkpoint.size);
        this.metrics.cosignatures.inc();
        if (gossip) this.gossipLater(author, signed.checkpoint.size);
      } catch (e) {
        this.log.debug({ err: e, author }, 'not cosigned');
      }
    }
  }

  /**
   * A cosignature made on a gossiped checkpoint is gossiped only if the
   * checkpoint is still not final after a while: an author that gathers
   * cosignatures (this implementation) collects it by request first, and every
   * witness gossiping at once costs the network members² messages; an author
   * that does not gather still gets its cosignatures spread.
   */
  private gossipLater(author: string, size: number): void {
    const key = `${author}/${size}`;
    if (this.gatherers.has(author) || this.laterGossip.has(key)) return;
    this.laterGossip.add(key);
    const t = setTimeout(() => {
      this.laterGossip.delete(key);
      if (this.stopped || this.ledger.finalSize(author) >= size) return;
      const cp = this.ledger.checkpoints.list(author).find((c) => c.checkpoint.size === size);
      if (cp) this.publish({ note: noteOf(cp) }, 'cosignature');
    }, this.opts.cosignatureGossipDelayMs);
    t.unref();
  }

  // ---- fetching ----

  private connectedMembers(): PeerId[] {
    const members = new Set(this.ledger.config.members.map((m) => m.peer));
    return this.host.getPeers().filter((p) => members.has(p.toString()));
  }

  /** Fetch `author`'s records from `peer` until `target` (or what the peer has), validating each. */
  syncAuthor(author: string, peer: PeerId, target = Number.MAX_SAFE_INTEGER): Promise<void> {
    if (author === this.selfId) return Promise.resolve();
    const running = this.syncing.get(author);
    if (running) return running.then(() => (this.ledger.size(author) < target ? this.syncAuthor(author, peer, target) : undefined));
    const p = this.fetchRange(author, peer, target).finally(() => this.syncing.delete(author));
    this.syncing.set(author, p);
    return p;
  }

  private async fetchRange(author: string, peer: PeerId, target: number): Promise<void> {
    while (!this.stopped && this.ledger.size(author) < target) {
      const from = this.ledger.size(author);
      const res = await callRpc(this.host, peer, this.ids.sync, { t: 'range', author, from, limit: this.opts.syncMaxRecords }, { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs });
      const envs = parseEnvelopes(res, this.opts.syncMaxRecords);
      if (envs.length === 0) return;
      try {
        const r = await this.ledger.acceptForeign(author, envs);
        this.metrics.foreignAccepted.inc({ author }, r.accepted);
        if (r.accepted === 0) return;
      } catch (e) {
        this.reject(e, author);
        return;
      }
    }
  }

  private reject(e: unknown, author: string): void {
    if (e instanceof RecordRejected) {
      this.metrics.validationFailures.inc({ rule: e.rule });
      this.log.warn({ author, seq: e.seq, rule: e.rule }, `rejected a record from a peer: ${e.message}`);
    } else if (e instanceof LedgerError && e.code === 'FORKED') {
      this.log.error({ author }, e.message);
      const f = this.ledger.forks.get(author);
      if (f) this.publish({ fork: { author, a: f.a, b: f.b } }, 'fork');
    } else {
      throw e;
    }
  }

  /** Re-read `author`'s log from `peer` up to `size`: the first record that differs is the fork. */
  private async findFork(author: string, peer: PeerId, size: number): Promise<void> {
    for (let from = 0; from < size && !this.ledger.isForked(author); from += this.opts.syncMaxRecords) {
      const res = await callRpc(this.host, peer, this.ids.sync, { t: 'range', author, from, limit: Math.min(this.opts.syncMaxRecords, size - from) }, { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs });
      const envs = parseEnvelopes(res, this.opts.syncMaxRecords).filter((_, i) => from + i < this.ledger.size(author));
      if (envs.length === 0) return;
      try {
        await this.ledger.acceptForeign(author, envs);
      } catch (e) {
        this.reject(e, author);
      }
    }
  }

  /** On connect and periodically: learn the configs and heads a peer has, fetch what is missing. */
  async catchUp(peer: PeerId): Promise<void> {
    if (this.stopped) return;
    const rpc = { maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs };
    const gov = await callRpc(this.host, peer, this.ids.governance, { from: this.ledger.epoch + 1 }, rpc);
    for (const c of Array.isArray(gov.configs) ? gov.configs : []) {
      const x = c as CborMap;
      try {
        await this.ledger.addConfig({ bytes: x.config as Uint8Array, approvals: (x.approvals as unknown as { member: string; sig: Uint8Array }[]) ?? [] });
      } catch (e) {
        this.log.warn({ err: e }, 'config from peer rejected');
        break;
      }
    }
    const sizes: Record<string, number> = {};
    for (const a of this.ledger.authors()) sizes[a] = this.ledger.size(a);
    const heads = parseHeads(await callRpc(this.host, peer, this.ids.sync, { t: 'heads', sizes }, rpc));
    for (const h of heads) await this.compareHead(h, peer);
  }

  private async compareHead(h: Head, peer: PeerId): Promise<void> {
    if (!this.ledger.chain.some((c) => c.config.members.some((m) => m.id === h.author))) return;
    if (h.author === this.selfId) {
      // A peer's copy of our own checkpoint carries the cosignatures we may have missed (e.g. while down).
      if (h.note) await this.takeNote(h.note).catch((e) => this.log.debug({ err: e }, 'own head note not taken'));
      return;
    }
    if (h.rootSize > 0 && h.rootSize <= this.ledger.size(h.author) && !this.ledger.isForked(h.author)) {
      const mine = await this.ledger.treeHead(h.author, h.rootSize);
      if (!equalBytes(mine, h.root)) await this.findFork(h.author, peer, h.rootSize);
    }
    if (h.size > this.ledger.size(h.author)) await this.syncAuthor(h.author, peer, h.size);
    if (h.note) await this.takeNote(h.note, peer).catch((e) => this.log.debug({ err: e }, 'head note not taken'));
  }

  private async antiEntropy(): Promise<void> {
    // Every node asks one peer for all heads: the period stretches with the membership so the load stays linear in it.
    if (++this.antiEntropyTicks % Math.max(1, Math.ceil(this.ledger.config.members.length / 8)) !== 0) return;
    const peers = this.connectedMembers();
    if (peers.length === 0) return;
    const peer = peers[Math.floor(Math.random() * peers.length)]!;
    await this.catchUp(peer);
  }

  peerOf(id: string): PeerId | undefined {
    const m = this.ledger.config.members.find((x) => x.id === id);
    return m ? peerIdFromString(m.peer) : undefined;
  }
}

