/** Exit codes, documented in the README. */
export const EXIT = {
  OK: 0,
  /** verification failed, not found, revoked or pending; audit found problems */
  FAILED: 1,
  /** usage or config error */
  USAGE: 2,
  /** node unreachable */
  UNREACHABLE: 3,
  /** internal error */
  INTERNAL: 4,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usage = (msg: string) => new CliError(msg, EXIT.USAGE);

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

/** Progress on a TTY only: quiet in --json and non-TTY use. */
export function progress(enabled: boolean): (done: number, total: number, what: string) => void {
  if (!enabled || !process.stderr.isTTY) return () => undefined;
  let last = 0;
  return (done, total, what) => {
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
    process.stderr.write(`\r${what} [${bar}] ${pct}% ${done}/${total}${done >= total ? '\n' : ''}`);
  };
}
