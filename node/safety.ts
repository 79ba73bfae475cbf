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
  onRecovered: () => void;
}): Promise<Safety> {
  const { ledger, host } = x;
  const skew = new ClockSkew(x.now, x.log, x.metrics.clockSkew);
  const recovery = new OwnLogRecovery({ ledger, peers: libp2pRecoveryPeers(host, ledger, x.opts, x.catchUp), log: x.log, acceptEmptyLog: x.acceptEmptyLog, onRecovered: x.onRecovered });
  ledger.appendGuard = () => recovery.refusal() ?? skew.refusal();
  const stopTime = await startTimeService({ host, ledger, opts: x.opts, skew, now: x.now, log: x.log });
  const byPeer = (p: string) => ledger.config.members.find((m) => m.peer === p)?.id;
  const onConnect = (evt: CustomEvent<{ toString(): string }>) => {
    const id = byPeer(evt.detail.toString());
    if (id) void recovery.hear(id);
  };
  host.addEventListener('peer:connect', onConnect as never);
  const timer = setInterval(() => void recovery.retry(connectedMembers(host, ledger)), x.opts.antiEntropyMs);
  timer.unref();
  recovery.start();
  void recovery.retry(connectedMembers(host, ledger));
  return {
    recovery,
    skew,
    stop() {
      clearInterval(timer);
      host.removeEventListener('peer:connect', onConnect as never);
      stopTime();
    },
  };
}
