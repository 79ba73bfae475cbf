import { toHex } from '../../protocol/bytes.js';
import type { CborMap } from '../../protocol/cbor.js';
import { sha256 } from '../../protocol/crypto.js';
import type { PeerEvent, PeerNetwork, RequestHandler, RequestLimits, ServeLimits, TopicHandler } from './network.js';
import { decodeMessage, encodeMessage, WireError } from './wire.js';

/**
 * Several nodes in one process, linked by a hub instead of sockets: for tests
 * of replication, witnessing, finality and forks that run in milliseconds.
 * Messages go through the same canonical encoding and size limits as on the
 * wire; gossip is flooded along links (so it crosses a node linked to both
 * sides, as gossipsub does); links follow the members each side allows, and
 * tests can cut them (partition), drop them, and heal them.
 */
export class MemoryHub {
  private readonly nodes = new Map<string, MemoryNetwork>();
  private readonly links = new Set<string>();
  private readonly cuts = new Set<string>();
  /** Gossip messages each node rejected in validation (for tests). */
  readonly rejected = new Map<string, number>();

  /** A PeerNetwork for the node with `peerId` that lets `allowed` peers connect. */
  network(peerId: string, allowed: () => ReadonlySet<string>): MemoryNetwork {
    return new MemoryNetwork(this, peerId, allowed);
  }

  /** Cut every link between groups (each a list of peer ids) until `heal`. */
  partition(...groups: string[][]): void {
    for (let i = 0; i < groups.length; i++) for (let j = i + 1; j < groups.length; j++) for (const a of groups[i]!) for (const b of groups[j]!) this.cuts.add(key(a, b));
    this.relink();
  }

  /** Cut one link until `heal`. */
  cut(a: string, b: string): void {
    this.cuts.add(key(a, b));
    this.relink();
  }

  /** Remove every cut and connect every pair that allows each other. */
  heal(): void {
    this.cuts.clear();
    this.relink();
  }

  /** Close `peer`'s links now (as a network blip); they come back at the next relink (heal, a start, a members change). */
  drop(peer: string): void {
    for (const k of [...this.links]) if (k.split('|').includes(peer)) this.unlink(k);
  }

  linked(a: string, b: string): boolean {
    return this.links.has(key(a, b));
  }

  /** @internal */
  node(peer: string): MemoryNetwork | undefined {
    return this.nodes.get(peer);
  }

  /** @internal */
  join(n: MemoryNetwork): void {
    this.nodes.set(n.peerId, n);
    this.relink();
  }

  /** @internal */
  leave(n: MemoryNetwork): void {
    for (const k of [...this.links]) if (k.split('|').includes(n.peerId)) this.unlink(k);
    this.nodes.delete(n.peerId);
  }

  /** @internal Bring links in line with what each side allows and the cuts. */
  relink(): void {
    const all = [...this.nodes.values()];
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const [a, b] = [all[i]!, all[j]!];
        const k = key(a.peerId, b.peerId);
        const want = !this.cuts.has(k) && a.isAllowed(b.peerId) && b.isAllowed(a.peerId);
        if (want && !this.links.has(k)) {
          this.links.add(k);
          a.emit({ type: 'connect', peer: b.peerId });
          b.emit({ type: 'connect', peer: a.peerId });
        } else if (!want && this.links.has(k)) this.unlink(k);
      }
    }
  }

  private unlink(k: string): void {
    if (!this.links.delete(k)) return;
    const [a, b] = k.split('|') as [string, string];
    this.nodes.get(a)?.emit({ type: 'disconnect', peer: b });
    this.nodes.get(b)?.emit({ type: 'disconnect', peer: a });
  }

  /** @internal */
  peersOf(peer: string): string[] {
    const out: string[] = [];
    for (const k of this.links) {
      const [a, b] = k.split('|') as [string, string];
      if (a === peer) out.push(b);
      else if (b === peer) out.push(a);
    }
    return out;
  }
}

const key = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

interface Served {
  handler: RequestHandler;
  limits: ServeLimits;
  inflight: number;
}

export class MemoryNetwork implements PeerNetwork {
  private readonly served = new Map<string, Served>();
  private readonly topics = new Map<string, TopicHandler<unknown>>();
  private readonly listeners = new Set<(e: PeerEvent) => void>();
  private readonly seen = new Set<string>();
  private running = false;

  constructor(
    private readonly hub: MemoryHub,
    readonly peerId: string,
    private readonly allowed: () => ReadonlySet<string>,
  ) {}

  async handle(protocol: string, handler: RequestHandler, limits: ServeLimits): Promise<void> {
    this.served.set(protocol, { handler, limits, inflight: 0 });
  }

  async unhandle(protocol: string): Promise<void> {
    this.served.delete(protocol);
  }

  async request(peer: string, protocol: string, req: CborMap, limits: RequestLimits): Promise<CborMap> {
    if (!this.running || !this.hub.linked(this.peerId, peer)) throw new Error(`not connected to ${peer}`);
    const remote = this.hub.node(peer);
    const s = remote?.served.get(protocol);
    if (!remote || !s) throw new Error(`${peer} does not serve ${protocol}`);
    if (s.inflight >= s.limits.maxInboundStreams) throw new Error(`${peer}: too many inbound streams on ${protocol}`);
    s.inflight++;
    try {
      const res = await deadline(
        (async () => {
          await tick();
          const inbound = decodeMessage(encodeMessage(req), s.limits.maxBytes);
          const answer = encodeMessage(await s.handler(inbound, this.peerId));
          await tick();
          if (!this.hub.linked(this.peerId, peer)) throw new Error(`connection to ${peer} closed`);
          return decodeMessage(answer, limits.maxBytes);
        })(),
        Math.min(limits.timeoutMs, s.limits.timeoutMs),
      );
      return res;
    } finally {
      s.inflight--;
    }
  }

  subscribe<T>(topic: string, handler: TopicHandler<T>): void {
    this.topics.set(topic, handler as TopicHandler<unknown>);
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }

  async publish(topic: string, data: Uint8Array): Promise<void> {
    if (!this.running) throw new Error('network stopped');
    const id = messageId(topic, data);
    this.remember(id);
    this.forward(topic, data, id, undefined);
  }

  private forward(topic: string, data: Uint8Array, id: string, except: string | undefined): void {
    for (const p of this.hub.peersOf(this.peerId)) {
      if (p === except) continue;
      setImmediate(() => this.hub.node(p)?.receive(topic, data, id, this.peerId));
    }
  }

  /** @internal A gossip message from a linked peer: validate, deliver, forward. */
  receive(topic: string, data: Uint8Array, id: string, from: string): void {
    const h = this.topics.get(topic);
    if (!this.running || !h || this.seen.has(id) || !this.hub.linked(this.peerId, from)) return;
    this.remember(id);
    let m: unknown;
    try {
      if (data.length > h.maxBytes) throw new WireError('too large');
      m = h.validate(data, from);
    } catch {
      this.hub.rejected.set(this.peerId, (this.hub.rejected.get(this.peerId) ?? 0) + 1);
      return;
    }
    h.deliver(m, from);
    this.forward(topic, data, id, from);
  }

  private remember(id: string): void {
    if (this.seen.size > 100_000) this.seen.clear();
    this.seen.add(id);
  }

  peers(): string[] {
    return this.running ? this.hub.peersOf(this.peerId) : [];
  }

  onPeer(listener: (e: PeerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @internal */
  emit(e: PeerEvent): void {
    for (const l of this.listeners) queueMicrotask(() => l(e));
  }

  isAllowed(peer: string): boolean {
    return this.allowed().has(peer);
  }

  async membersChanged(): Promise<void> {
    this.hub.relink();
  }

  addresses(): string[] {
    return [];
  }

  async start(): Promise<void> {
    this.running = true;
    this.hub.join(this);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.hub.leave(this);
    this.served.clear();
    this.topics.clear();
  }
}

const messageId = (topic: string, data: Uint8Array) => `${topic}/${toHex(sha256(data))}`;

const tick = () => new Promise<void>((r) => setImmediate(r));

function deadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`request timed out after ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
