import { backfillDefaults, networkDefaults, syncDefaults, type BackfillOptions, type NetworkOptions, type SyncOptions } from '../options.js';
import { parseEnvelopes, parseHeads } from '../p2p/messages.js';
import { OwnLogRecovery, type RecoveryPeers } from '../recovery.js';
import { connectedMembers, type Components, type Service } from './components.js';
import { Periodic } from './periodic.js';

export type OwnLogRecoveryComponents = Pick<Components, 'ledger' | 'network' | 'ids' | 'log' | 'catchUp' | 'clock'>;
export type OwnLogRecoveryInit = Partial<BackfillOptions & NetworkOptions & SyncOptions> & {
  /** Operator's word that this member's log is empty everywhere: append seq 0 without hearing from peers. */
  acceptEmptyLog?: boolean;
};

/**
 * Own-log recovery at start (policy in node/recovery.ts): on every
 * connection, and every `antiEntropyMs` until done, ask connected members
 * for their copy of this node's own log over the sync protocol.
 */
export class OwnLogRecoveryService implements Service {
  readonly recovery: OwnLogRecovery;
  /** Resolves once appends may start as far as recovery is concerned. */
  readonly recovered: Promise<void>;
  private readonly opts: BackfillOptions & NetworkOptions & SyncOptions;
  private periodic?: Periodic;
  private off?: () => void;

  constructor(
    init: OwnLogRecoveryInit,
    private readonly c: OwnLogRecoveryComponents,
  ) {
    this.opts = { ...networkDefaults, ...syncDefaults, ...backfillDefaults, ...init };
    let done!: () => void;
    this.recovered = new Promise<void>((r) => (done = r));
    this.recovery = new OwnLogRecovery({ ledger: c.ledger, peers: this.peers(), log: c.log, acceptEmptyLog: init.acceptEmptyLog, onRecovered: done });
  }

  start(): void {
    const { network, ledger } = this.c;
    const memberOf = (peer: string) => ledger.config.members.find((m) => m.peer === peer)?.id;
    this.off = network.onPeer((e) => {
      const id = e.type === 'connect' ? memberOf(e.peer) : undefined;
      if (id) void this.recovery.hear(id);
    });
    this.periodic = new Periodic(this.c.log);
    this.periodic.every(this.opts.antiEntropyMs, () => this.retry());
    this.recovery.start();
    void this.retry();
  }

  stop(): void {
    this.off?.();
    this.periodic?.stop();
    this.recovery.stop();
  }

  /** The refusal while recovering, else undefined. */
  refusal() {
    return this.recovery.refusal();
  }

  private retry(): Promise<void> {
    const byPeer = new Map(this.c.ledger.config.members.map((m) => [m.peer, m.id]));
    return this.recovery.retry(connectedMembers(this.c).flatMap((p) => byPeer.get(p) ?? []));
  }

  /** Recovery's questions (§7): learn the peer's configs and heads first (backfill), then `heads` and `range` of the own log. */
  private peers(): RecoveryPeers {
    const { ledger, network, ids } = this.c;
    const rpc = () => ({ maxBytes: this.opts.maxMessageBytes, timeoutMs: this.opts.requestTimeoutMs });
    const peerOf = (member: string) => {
      const m = [...ledger.chain]
        .reverse()
        .flatMap((x) => x.config.members)
        .find((x) => x.id === member);
      if (!m) throw new Error(`${member} is not a member`);
      return m.peer;
    };
    return {
      heads: async (member) => {
        const peer = peerOf(member);
        // Each member recovery hears from has its clock measured first: the first record signed after recovery already knows the skew.
        await this.c.clock.measure(peer).catch((err) => this.c.log.debug({ err, member }, 'time exchange failed'));
        // A lost store also lost the later epochs: learn them first, so the own records of those epochs validate.
        await this.c.catchUp.catchUp(peer);
        return parseHeads(await network.request(peer, ids.sync, { t: 'heads', sizes: {} }, rpc()));
      },
      range: async (member, author, from) => {
        const res = await network.request(peerOf(member), ids.sync, { t: 'range', author, from, limit: this.opts.syncMaxRecords }, rpc());
        return parseEnvelopes(res, this.opts.syncMaxRecords);
      },
    };
  }
}

export function ownLogRecovery(init: OwnLogRecoveryInit = {}): (c: OwnLogRecoveryComponents) => OwnLogRecoveryService {
  return (c) => new OwnLogRecoveryService(init, c);
}
