/** Bounds of one logged error: a client that triggers errors must not fill the disk with bodies or stacks. */
export const ERROR_LOG_LIMITS = { message: 300, stackLines: 6, stackLine: 200, keys: 256 } as const;

export interface LoggedError {
  type: string;
  code?: string;
  message: string;
  stack?: string;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length - n} more chars)` : s);

/** An error reduced to its type, code, a truncated message and the first lines of its stack (never a body). */
export function boundedError(e: unknown): LoggedError {
  const x = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as { name?: string; code?: unknown; message?: unknown; stack?: unknown };
  const out: LoggedError = { type: typeof x.name === 'string' ? cut(x.name, 64) : 'Error', message: cut(String(x.message ?? ''), ERROR_LOG_LIMITS.message) };
  if (typeof x.code === 'string') out.code = cut(x.code, 64);
  if (typeof x.stack === 'string') {
    out.stack = x.stack
      .split('\n')
      .slice(1, 1 + ERROR_LOG_LIMITS.stackLines)
      .map((l) => cut(l.trim(), ERROR_LOG_LIMITS.stackLine))
      .join('\n');
  }
  return out;
}

/**
 * Server errors, logged once per window per key (route and code); the repeats in a window are counted
 * and reported with the next line logged for that key.
 */
export class ErrorLog {
  private readonly seen = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly log: { error(obj: object, msg: string): void },
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  error(key: string, err: unknown, fields: Record<string, unknown> = {}): void {
    const t = this.now();
    const k = cut(key, 200);
    const s = this.seen.get(k);
    if (s && t < s.until) {
      s.suppressed++;
      return;
    }
    // Many distinct keys (random URLs) must not grow the map without bound either.
    if (!s && this.seen.size >= ERROR_LOG_LIMITS.keys) {
      for (const [key2, v] of this.seen) if (t >= v.until) this.seen.delete(key2);
      if (this.seen.size >= ERROR_LOG_LIMITS.keys) {
        const first = this.seen.keys().next().value as string;
        this.seen.delete(first);
      }
    }
    this.seen.set(k, { until: t + this.windowMs, suppressed: 0 });
    this.log.error({ ...fields, err: boundedError(err), ...(s?.suppressed ? { suppressed: s.suppressed } : {}) }, 'request failed');
  }
}
