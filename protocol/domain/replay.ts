import type { Envelope } from '../records/record.js';
import type { MemoryView } from './memory-view.js';
import { checkDomain, DomainRefused, proposedOf } from './rules.js';

/** Records in the order the rules see them: logs have no global order, so record time, then (author, seq). */
export const byRecordTime = (a: Envelope, b: Envelope) => a.record.ts - b.record.ts || (a.record.author < b.record.author ? -1 : a.record.author > b.record.author ? 1 : a.record.seq - b.record.seq);

/**
 * Decide which records count: each, in record-time order, is checked against
 * the ones counted before it and added to `view` when it passes. The
 * verifier reports this way, and the node's API sees what is held this way,
 * so both agree on what counts. Returns the refusals by record.
 */
export function replay(view: MemoryView, envs: readonly Envelope[]): Map<Envelope, DomainRefused> {
  const ignored = new Map<Envelope, DomainRefused>();
  for (const env of [...envs].sort(byRecordTime)) {
    try {
      checkDomain(view, proposedOf(env));
      view.add(env);
    } catch (e) {
      if (!(e instanceof DomainRefused)) throw e;
      ignored.set(env, e);
    }
  }
  return ignored;
}
