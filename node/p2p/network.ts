import type { CborMap } from '../../protocol/cbor.js';

/**
 * The port replication talks to: request/response by protocol, gossip on a
 * topic with a validator, peer events, and the members allowed. Peers are
 * named by their peer id string (as the config's `peer` field). Two
 * implementations: libp2p (./libp2p-network.ts) and an in-process hub
 * (./memory-network.ts) for tests.
 */
export interface PeerNetwork {
  /** This node's peer id. */
  readonly peerId: string;
  /** Serve one request with one response on `protocol`; messages are canonical CBOR maps within the limits. */
  handle(protocol: string, handler: RequestHandler, limits: ServeLimits): Promise<void>;
  unhandle(protocol: string): Promise<void>;
  /** Ask `peer` on `protocol`; rejects on a deadline, a size limit, a malformed answer, or an unreachable peer. */
  request(peer: string, protocol: string, req: CborMap, limits: RequestLimits): Promise<CborMap>;
  /** Receive `topic`: each message is validated first (a throw rejects it and it is not forwarded), then delivered. */
  subscribe<T>(topic: string, handler: TopicHandler<T>): void;
  unsubscribe(topic: string): void;
  /** Gossip to the topic (not delivered to this node). */
  publish(topic: string, data: Uint8Array): Promise<void>;
  /** Peer ids connected now. */
  peers(): string[];
  /** Connection events; returns a function that removes the listener. */
  onPeer(listener: (e: PeerEvent) => void): () => void;
  /** Whether a peer may connect (members of the current epoch). */
  isAllowed(peer: string): boolean;
  /** The allowed set changed (a new epoch): connect to new members, disconnect peers no longer allowed. */
  membersChanged(): Promise<void>;
  /** Addresses peers can reach this node at (none in memory). */
  addresses(): string[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RequestLimits {
  maxBytes: number;
  timeoutMs: number;
}

export interface ServeLimits extends RequestLimits {
  maxInboundStreams: number;
}

export type RequestHandler = (req: CborMap, from: string) => Promise<CborMap>;

export interface TopicHandler<T> {
  maxBytes: number;
  /** Parse and check a message; throw to reject it. */
  validate(data: Uint8Array, from: string): T;
  /** A message that passed `validate`, with what it returned. */
  deliver(msg: T, from: string): void;
}

export interface PeerEvent {
  type: 'connect' | 'disconnect';
  peer: string;
}
