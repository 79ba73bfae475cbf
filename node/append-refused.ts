/** Why this node refuses to sign new records for now: each rule has one code, answered as HTTP 503 (try again later). */
export type AppendRefusalCode =
  /** The own log is not yet known to be complete: signing now could reuse a seq peers hold (a fork). */
  | 'RECOVERING'
  /** This node's clock is so far ahead of its peers' that they would reject its records. */
  | 'CLOCK_SKEW'
  /** The adopted epoch names other keys for this member than the node holds (a key rotation, docs/KEY-ROTATION.md). */
  | 'KEY_ROTATION';

export class AppendRefused extends Error {
  readonly status = 503;
  constructor(
    readonly code: AppendRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppendRefused';
  }
}
