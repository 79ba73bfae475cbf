import type { Logger } from 'pino';
import { concat, u64be, utf8 } from '../protocol/bytes.js';
import type { CborMap } from '../protocol/cbor.js';
import { verify } from '../protocol/crypto.js';
import { asSigner, type SigningKey } from '../protocol/signer.js';
import { MAX_SKEW_MS } from '../protocol/records/rules.js';
import { AppendRefused } from './append-refused.js';
import { isUint, WireError } from './p2p/wire.js';

/** Above this, the log warns: records are still accepted, but the clock needs fixing. */
export const SKEW_WARN_MS = 60_000;
/** A peer's sample older than this no longer counts. */
const SAMPLE_TTL_MS = 10 * 60_000;
const NONCE_BYTES = 16;

/**
 * Time exchange (extension of §7): `{nonce}` → `{time, sig}`, where `time` is
 * the peer's clock in ms and `sig` its ledger key's Ed25519 signature over
 * "tongban-time/v1\n" ‖ network id ‖ nonce ‖ u64be(time). Signed and bound to
 * a fresh nonce, so a relay can neither forge nor replay a peer's time.
 */
function timeMessage(net: Uint8Array, nonce: Uint8Array, time: number): Uint8Array {
  // NUL-separated like the other messages the ledger key signs (§3): never a signed note's text.
  return concat(utf8('tongban/v1/time\x00'), net, nonce, u64be(time));
}

export function timeRequest(nonce: Uint8Array): CborMap {
  return { nonce };
}

/** Answer a time request with this node's clock, signed by its ledger key. */
export function answerTime(req: CborMap, net: Uint8Array, key: SigningKey, now: number): CborMap {
  if (!(req.nonce instanceof Uint8Array) || req.nonce.length !== NONCE_BYTES || Object.keys(req).length !== 1) throw new WireError(`time request must be {nonce: ${NONCE_BYTES} bytes}`);
  return { time: now, sig: asSigner(key).sign(timeMessage(net, req.nonce, now)) };
}

/** The peer's signed time from its answer, or a WireError. */
export function checkTimeAnswer(res: CborMap, net: Uint8Array, nonce: Uint8Array, peerKey: Uint8Array): number {
  if (!isUint(res.time) || !(res.sig instanceof Uint8Array) || res.sig.length !== 64) throw new WireError('time answer must be {time, sig}');
  if (!verify(peerKey, timeMessage(net, nonce, res.time), res.sig)) throw new WireError("time answer signature does not verify with the member's key");
  return res.time;
}

export interface SkewSample {
  member: string;
  /** This node's clock minus the peer's, ms (positive: this node is ahead). */
  skewMs: number;
  /** Round trip of the exchange: the estimate is within half of it. */
  rttMs: number;
  at: number;
}

/**
 * Clock skew against peers' signed times. Peers reject a record whose ts is
 * more than MAX_SKEW_MS ahead of their clock (TS_FUTURE), so when most peers
 * measured see this node that far ahead, it refuses to sign new records.
 */
export class ClockSkew {
  private readonly samples = new Map<string, SkewSample>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly gauge?: { set(labels: { peer: string }, v: number): void },
  ) {}

  /** One exchange: sent and received on this node's clock, `theirTime` as the peer signed it. */
  record(member: string, sentAt: number, theirTime: number, receivedAt: number): SkewSample {
    const s = { member, skewMs: Math.round((sentAt + receivedAt) / 2 - theirTime), rttMs: receivedAt - sentAt, at: receivedAt };
    this.samples.set(member, s);
    this.gauge?.set({ peer: member }, s.skewMs / 1000);
    const far = Math.abs(s.skewMs) > SKEW_WARN_MS;
    if (far && !this.warned.has(member)) {
      this.warned.add(member);
      this.log.warn({ peer: member, skewSeconds: s.skewMs / 1000 }, `clock differs from ${member}'s by ${Math.round(s.skewMs / 1000)} s (more than ${SKEW_WARN_MS / 1000} s): check NTP on both`);
    } else if (!far) {
      this.warned.delete(member);
    }
    return s;
  }

  /** Fresh samples, by member. */
  current(): SkewSample[] {
    const t = this.now();
    return [...this.samples.values()].filter((s) => t - s.at <= SAMPLE_TTL_MS).sort((a, b) => (a.member < b.member ? -1 : 1));
  }

  /** Largest skew by magnitude (ms), or undefined before any sample. */
  maxMs(): number | undefined {
    let best: number | undefined;
    for (const s of this.current()) if (best === undefined || Math.abs(s.skewMs) > Math.abs(best)) best = s.skewMs;
    return best;
  }

  /** The refusal when most peers measured would reject this node's records as too far in the future. */
  refusal(): AppendRefused | undefined {
    const cur = this.current();
    const ahead = cur.filter((s) => s.skewMs > MAX_SKEW_MS);
    if (cur.length === 0 || ahead.length * 2 <= cur.length) return undefined;
    const by = Math.round(Math.min(...ahead.map((s) => s.skewMs)) / 1000);
    return new AppendRefused(
      'CLOCK_SKEW',
      `this node's clock is at least ${by} s ahead of ${ahead.length} of ${cur.length} peers (${ahead.map((s) => s.member).join(', ')}); they reject records more than ${MAX_SKEW_MS / 1000} s in the future, so none are signed until the clock is fixed (check NTP)`,
    );
  }
}
