import type { PeerId } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { Ledger } from '../ledger/index.js';
import { ClockSkew } from './clock-skew.js';
import type { Metrics } from './metrics.js';
import type { NodeOptions } from './options.js';
import type { Host } from './p2p/host.js';
import { OwnLogRecovery } from './recovery.js';
import { connectedMembers, libp2pRecoveryPeers } from './recovery-peers.js';
import { startTimeService } from './time-service.js';

export interface Safety {
  recovery: OwnLogRecovery;
  skew: ClockSkew;
  stop(): void;
}

/**
 * The guards on the node's own log: no append before the own log is
 * recovered from peers (node/recovery.ts), none while the clock is so far
 * ahead that peers would reject the records (node/clock-skew.ts).
 */
export async function startSafety(x: {
  ledger: Ledger;
  host: Host;
  opts: NodeOptions;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  acceptEmptyLog?: boolean;
  /** Peer's configs and heads, as replication learns them (run before own heads are asked). */
  catchUp: (peer: PeerId) => Promise<void>;
  /** Appends may start (own log recovered, or a refusal cleared); may be called more than once. */
  onRecovered: () => void;
}): Promise<Safety> {
  const { ledger, host } = x;
  const skew = new ClockSkew(x.now, x.log, x.metrics.clockSkew);
  const time = await startTimeService({ host, ledger, opts: x.opts, skew, now: x.now, log: x.log });
  const peers = libp2pRecoveryPeers(host, ledger, x.opts, x.catchUp);
  // Each member recovery hears from has its clock measured first: the first record signed after recovery already knows the skew.
  const heads: typeof peers.heads = async (member) => {
    const peer = ledger.chain.flatMap((c) => c.config.members).find((m) => m.id === member)?.peer;
    if (peer) await time.measure(peer).catch((e) => x.log.debug({ err: e, member }, 'time exchange failed'));
    return peers.heads(member);
  };
  const recovery = new OwnLogRecovery({ ledger, peers: { ...peers, heads }, log: x.log, acceptEmptyLog: x.acceptEmptyLog, onRecovered: () => appendable() });
  ledger.appendGuard = () => recovery.refusal() ?? skew.refusal();
  // A lost store also lost the witness state (largest size cosigned per log): cosign again only once the
  // logs are caught up from peers, so a conflicting checkpoint shows up as a fork instead of being cosigned.
  ledger.cosignGuard = () => recovery.refusal();
  // Tell the node once each time appends become possible (recovered, or the clock was fixed).
  let refused = true;
  const appendable = () => {
    const now = !!ledger.appendGuard?.();
    if (refused && !now) x.onRecovered();
    refused = now;
  };
  const byPeer = (p: string) => ledger.config.members.find((m) => m.peer === p)?.id;
  const onConnect = (evt: CustomEvent<PeerId>) => {
    const id = byPeer(evt.detail.toString());
    if (id) void recovery.hear(id);
  };
  host.addEventListener('peer:connect', onConnect);
  const timer = setInterval(() => {
    void recovery.retry(connectedMembers(host, ledger));
    appendable();
  }, x.opts.antiEntropyMs);
  timer.unref();
  recovery.start();
  void recovery.retry(connectedMembers(host, ledger));
  return {
    recovery,
    skew,
    stop() {
      clearInterval(timer);
      recovery.stop();
      host.removeEventListener('peer:connect', onConnect);
      time.stop();
    },
  };
}
