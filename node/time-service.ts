import { randomBytes } from 'node:crypto';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from 'pino';
import { toHex } from '../protocol/bytes.js';
import type { Ledger } from '../ledger/index.js';
import { answerTime, checkTimeAnswer, timeRequest, type ClockSkew } from './clock-skew.js';
import type { NodeOptions } from './options.js';
import type { Host } from './p2p/host.js';
import { callRpc, serveRpc } from './p2p/rpc.js';

/** Extension protocol: a member's signed clock (node/clock-skew.ts). */
export function timeProtocol(net: Uint8Array): string {
  return `/tongban/${toHex(net).slice(0, 8)}/time/1`;
}

export interface TimeService {
  /** Measure one member's clock now (by peer id). */
  measure(peer: string): Promise<void>;
  stop(): void;
}

/**
 * Serve this node's signed time and measure each connected member's: on
 * connect and every `clockCheckMs`.
 */
export async function startTimeService(x: { host: Host; ledger: Ledger; opts: NodeOptions; skew: ClockSkew; now: () => number; log: Logger }): Promise<TimeService> {
  const { host, ledger, opts } = x;
  const protocol = timeProtocol(ledger.net);
  const rpc = { maxBytes: 1024, timeoutMs: opts.requestTimeoutMs };
  await serveRpc(host, protocol, async (req) => answerTime(req, ledger.net, ledger.self!.seed, x.now()), { ...rpc, maxInboundStreams: opts.maxInboundStreams });
  const measure = async (peer: string): Promise<void> => {
    const m = ledger.config.members.find((y) => y.peer === peer);
    if (!m || m.id === ledger.self?.id) return;
    const nonce = new Uint8Array(randomBytes(16));
    const sentAt = x.now();
    const res = await callRpc(host, peerIdFromString(peer), protocol, timeRequest(nonce), rpc);
    const receivedAt = x.now();
    x.skew.record(m.id, sentAt, checkTimeAnswer(res, ledger.net, nonce, m.key), receivedAt);
  };
  const measureAll = () => Promise.allSettled(host.getPeers().map((p) => measure(p.toString())));
  const onConnect = (evt: CustomEvent<PeerId>) => void measure(evt.detail.toString()).catch((e) => x.log.debug({ err: e }, 'time exchange failed'));
  host.addEventListener('peer:connect', onConnect);
  const timer = setInterval(() => void measureAll(), opts.clockCheckMs);
  timer.unref();
  void measureAll();
  return {
    measure,
    stop() {
      clearInterval(timer);
      host.removeEventListener('peer:connect', onConnect);
    },
  };
}
