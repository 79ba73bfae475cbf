import type { Ledger } from '../ledger/index.js';
import type { ClockSkew } from './clock-skew.js';
import type { OwnLogRecovery } from './recovery.js';
import type { NodeServices } from './services/index.js';

export interface Safety {
  recovery: OwnLogRecovery;
  skew: ClockSkew;
  stop(): void;
}

/**
 * The guards on the node's own log: no append before the own log is
 * recovered from peers (node/recovery.ts), none while the clock is so far
 * ahead that peers would reject the records (node/clock-skew.ts).
 * `onAppendable` runs each time appends become possible (recovered, or the
 * clock was fixed); checked on recovery and every `checkMs`.
 */
export function attachSafety(ledger: Ledger, services: Pick<NodeServices, 'recovery' | 'time'>, checkMs: number, onAppendable: () => void, keys: () => Error | undefined = () => undefined): Safety {
  const { recovery, time } = services;
  // `keys`: the adopted epoch names other keys for this member (a rotation): nothing this node signs would count.
  ledger.appendGuard = () => keys() ?? recovery.refusal() ?? time.skew.refusal();
  // A lost store also lost the witness state (largest size cosigned per log): cosign again only once the
  // logs are caught up from peers, so a conflicting checkpoint shows up as a fork instead of being cosigned.
  ledger.cosignGuard = () => keys() ?? recovery.refusal();
  let refused = true;
  let stopped = false;
  const check = () => {
    if (stopped) return;
    const now = !!ledger.appendGuard?.();
    if (refused && !now) onAppendable();
    refused = now;
  };
  void recovery.recovered.then(check);
  const timer = setInterval(check, checkMs);
  timer.unref();
  return {
    recovery: recovery.recovery,
    skew: time.skew,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
