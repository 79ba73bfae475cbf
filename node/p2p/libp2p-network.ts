import { TopicValidatorResult, type GossipsubMessage, type Message } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { Member } from '../../protocol/config/config.js';
import type { CborMap } from '../../protocol/cbor.js';
import { createHost, dialMembers, trackMembers, type AddressBook, type Host } from './host.js';
import type { PeerEvent, PeerNetwork, RequestHandler, RequestLimits, ServeLimits, TopicHandler } from './network.js';
import { callRpc, serveRpc } from './rpc.js';

export interface Libp2pNetworkInit {
  peerSeed: Uint8Array;
  listen: string[];
  psk?: Uint8Array;
  announce?: string[];
  bootstrap?: string[];
  /** Where to dial a member (the config's addresses or an operator's override). */
  book: AddressBook;
  /** The current members (dialled and kept connected). */
  members: () => Member[];
  /** Peer ids the gater lets through. */
  allowed: () => ReadonlySet<string>;
  scoredTopics?: string[];
  /** Dial members not connected this often. */
  redialMs?: number;
}

/** PeerNetwork over libp2p: TCP + Noise + Yamux, gossipsub, a members-only gater (./host.ts). */
export class Libp2pNetwork implements PeerNetwork {
  private redial?: NodeJS.Timeout;
  private readonly topics = new Map<string, (evt: CustomEvent<GossipsubMessage>) => void>();

  private constructor(
    readonly host: Host,
    private readonly init: Libp2pNetworkInit,
  ) {}

  static async create(init: Libp2pNetworkInit): Promise<Libp2pNetwork> {
    const host = await createHost({ peerSeed: init.peerSeed, listen: init.listen, psk: init.psk, announce: init.announce, allowed: init.allowed, scoredTopics: init.scoredTopics });
    return new Libp2pNetwork(host, init);
  }

  get peerId(): string {
    return this.host.peerId.toString();
  }

  async handle(protocol: string, handler: RequestHandler, limits: ServeLimits): Promise<void> {
    await serveRpc(this.host, protocol, (req, from) => handler(req, from.toString()), limits);
  }

  async unhandle(protocol: string): Promise<void> {
    await this.host.unhandle(protocol);
  }

  request(peer: string, protocol: string, req: CborMap, limits: RequestLimits): Promise<CborMap> {
    return callRpc(this.host, peerIdFromString(peer), protocol, req, limits);
  }

  subscribe<T>(topic: string, handler: TopicHandler<T>): void {
    const pubsub = this.host.services.pubsub;
    // Messages parsed by the validator, handed to the message handler.
    const parsed = new WeakMap<Message, T>();
    pubsub.topicValidators.set(topic, (peer: PeerId, msg: Message) => {
      try {
        if (msg.data.length > handler.maxBytes) throw new Error('too large');
        parsed.set(msg, handler.validate(msg.data, peer.toString()));
        return TopicValidatorResult.Accept;
      } catch {
        return TopicValidatorResult.Reject;
      }
    });
    const listener = (evt: CustomEvent<GossipsubMessage>) => {
      const { msg, propagationSource } = evt.detail;
      if (msg.topic !== topic) return;
      let m: T;
      if (parsed.has(msg)) m = parsed.get(msg)!;
      else {
        try {
          m = handler.validate(msg.data, propagationSource.toString());
        } catch {
          return;
        }
      }
      handler.deliver(m, propagationSource.toString());
    };
    this.topics.set(topic, listener);
    pubsub.addEventListener('gossipsub:message', listener);
    pubsub.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    const pubsub = this.host.services.pubsub;
    const listener = this.topics.get(topic);
    if (listener) pubsub.removeEventListener('gossipsub:message', listener);
    this.topics.delete(topic);
    pubsub.topicValidators.delete(topic);
    pubsub.unsubscribe(topic);
  }

  async publish(topic: string, data: Uint8Array): Promise<void> {
    await this.host.services.pubsub.publish(topic, data);
  }

  peers(): string[] {
    return this.host.getPeers().map((p) => p.toString());
  }

  onPeer(listener: (e: PeerEvent) => void): () => void {
    const connect = (evt: CustomEvent<PeerId>) => listener({ type: 'connect', peer: evt.detail.toString() });
    const disconnect = (evt: CustomEvent<PeerId>) => listener({ type: 'disconnect', peer: evt.detail.toString() });
    this.host.addEventListener('peer:connect', connect);
    this.host.addEventListener('peer:disconnect', disconnect);
    return () => {
      this.host.removeEventListener('peer:connect', connect);
      this.host.removeEventListener('peer:disconnect', disconnect);
    };
  }

  isAllowed(peer: string): boolean {
    return this.init.allowed().has(peer);
  }

  async membersChanged(): Promise<void> {
    // The gater refuses new connections of peers no longer allowed; open ones are closed here.
    const allowed = this.init.allowed();
    await Promise.allSettled(
      this.host
        .getPeers()
        .filter((p) => !allowed.has(p.toString()))
        .map((p) => this.host.hangUp(p)),
    );
    await trackMembers(this.host, this.init.members(), this.peerId, this.init.book);
    void dialMembers(this.host, this.init.members(), this.peerId, this.init.book);
  }

  addresses(): string[] {
    return this.host.getMultiaddrs().map((a) => a.toString());
  }

  async start(): Promise<void> {
    await trackMembers(this.host, this.init.members(), this.peerId, this.init.book);
    for (const b of this.init.bootstrap ?? []) void this.host.dial(multiaddr(b), { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    void dialMembers(this.host, this.init.members(), this.peerId, this.init.book);
    this.redial = setInterval(() => void dialMembers(this.host, this.init.members(), this.peerId, this.init.book), this.init.redialMs ?? 3_000);
    this.redial.unref();
  }

  async stop(): Promise<void> {
    if (this.redial) clearInterval(this.redial);
    await this.host.stop();
  }
}
