import { RecordRejected } from '../../protocol/records/rules.js';
import { LedgerError } from '../../ledger/index.js';
import type { Components } from './components.js';

/** A peer's records were refused: count the rule, and spread fork evidence if the log forked; anything else is rethrown. */
export function reportRejection(c: Pick<Components, 'ledger' | 'log' | 'metrics' | 'heads'>, e: unknown, author: string): void {
  if (e instanceof RecordRejected) {
    c.metrics.validationFailures.inc({ rule: e.rule });
    c.log.warn({ author, seq: e.seq, rule: e.rule }, `rejected a record from a peer: ${e.message}`);
  } else if (e instanceof LedgerError && e.code === 'FORKED') {
    c.log.error({ author }, e.message);
    const f = c.ledger.forks.get(author);
    if (f) c.heads.publish({ fork: { author, a: f.a, b: f.b } }, 'fork');
  } else {
    throw e;
  }
}
