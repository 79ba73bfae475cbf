import { randomBytes } from 'node:crypto';
import { toHex } from '../../protocol/bytes.js';
import { answerTime, checkTimeAnswer, ClockSkew, timeRequest } from '../clock-skew.js';
import { clockDefaults, networkDefaults, type ClockOptions, type NetworkOptions } from '../options.js';
import type { ClockMeasure, Components, Service } from './components.js';
import { Periodic } from './periodic.js';

/** Extension protocol: a member's signed clock (node/clock-skew.ts). */
export function timeProtocol(net: Uint8Array): string {
  return `/tongban/${toHex(net).slice(0, 8)}/time/1`;
}

/** A time request and its answer are a nonce and a time with a signature: small. */
const TIME_MAX_BYTES = 1024;

export type TimeServiceComponents = Pick<Components, 'ledger' | 'network' | 'log' | 'metrics'>;
export type TimeServiceInit = Partial<ClockOptions & NetworkOptions> & {
  /** The node's clock (ms); tests skew one node. */
  now?: () => number;
};

/**
 * Serves this node's signed time and measures each connected member's (on
 * connect and every `clockCheckMs`) into `skew`, whose refusal keeps the
 * node from signing records its peers would reject as too far in the future.
 */
export class TimeService implements Service, ClockMeasure {
  readonly skew: ClockSkew;
  private readonly opts: ClockOptions & NetworkOptions;
  private readonly now: () => number;
  private readonly protocol: string;
  private periodic?: Periodic;
  private off?: () => void;

  constructor(
    init: TimeServiceInit,
    private readonly c: TimeServiceComponents,
  ) {
    this.opts = { ...networkDefaults, ...clockDefaults, ...init };
    this.now = init.now ?? Date.now;
    this.skew = new ClockSkew(this.now, c.log, c.metrics.clockSkew);
    this.protocol = timeProtocol(c.ledger.net);
  }

  async start(): Promise<void> {
    const { ledger, network } = this.c;
    const limits = { maxBytes: TIME_MAX_BYTES, timeoutMs: this.opts.requestTimeoutMs, maxInboundStreams: this.opts.maxInboundStreams };
    await network.handle(this.protocol, async (req) => answerTime(req, ledger.net, ledger.self!.signer, this.now()), limits);
    this.off = network.onPeer((e) => {
      if (e.type === 'connect') void this.measure(e.peer).catch((err) => this.c.log.debug({ err, peer: e.peer }, 'time exchange failed'));
    });
    this.periodic = new Periodic(this.c.log);
    this.periodic.every(this.opts.clockCheckMs, () => this.measureAll());
    void this.measureAll();
  }

  async stop(): Promise<void> {
    this.off?.();
    this.periodic?.stop();
    await this.c.network.unhandle(this.protocol);
  }

  /** Measure one member's clock now (by peer id); non-members and this node are skipped. */
  async measure(peer: string): Promise<void> {
    const { ledger, network } = this.c;
    const m = ledger.config.members.find((y) => y.peer === peer);
    if (!m || m.id === ledger.self?.id) return;
    const nonce = new Uint8Array(randomBytes(16));
    const sentAt = this.now();
    const res = await network.request(peer, this.protocol, timeRequest(nonce), { maxBytes: TIME_MAX_BYTES, timeoutMs: this.opts.requestTimeoutMs });
    const receivedAt = this.now();
    this.skew.record(m.id, sentAt, checkTimeAnswer(res, ledger.net, nonce, m.key), receivedAt);
  }

  private async measureAll(): Promise<void> {
    await Promise.allSettled(this.c.network.peers().map((p) => this.measure(p)));
  }
}

export function timeService(init: TimeServiceInit = {}): (c: TimeServiceComponents) => TimeService {
  return (c) => new TimeService(init, c);
}
