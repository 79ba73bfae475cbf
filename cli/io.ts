/** Exit codes, documented in the README ("Exit codes"). */
export const EXIT = {
  OK: 0,
  /** the proofs are sound but the document or case does not stand: rejected, revoked, conflict, pending, not found */
  NOT_STANDING: 1,
  /** usage or config error (bad arguments, bad node.yaml, bad input file contents) */
  USAGE: 2,
  /** node unreachable */
  UNREACHABLE: 3,
  /** internal error */
  INTERNAL: 4,
  /** the proofs are unsound (bad signature, proof, chain), or audit found problems in a store */
  UNSOUND: 5,
  /** a file could not be read or written */
  IO: 6,
  /** the store is missing or damaged (audit, start) */
  STORE: 7,
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

/** Print a value as indented JSON, through process.stdout unless given `out` (below). */
export function printJson(v: unknown, write: (text: string) => void = (text) => void process.stdout.write(text)): void {
  write(JSON.stringify(v, null, 2) + '\n');
}

/** Set once the reader of standard output is gone (`tongban … | head`): the rest of the output is dropped. */
let outClosed = false;
/** Set once output went through process.stdout (a full non-blocking stdout): the rest follows it, in order. */
let outStream = false;

/**
 * Write to standard output with a plain write(2) on fd 1, without process.stdout: building that stream loads
 * node:stream and, for a pipe, node:net (20 M instructions, as much as the rest of a `status`'s own work).
 * A reader that closed the pipe (EPIPE) ends the output quietly and the command keeps its exit status; a
 * non-blocking stdout that is full (EAGAIN) gets the rest through process.stdout, which waits for it. Used by the
 * commands whose start-up is measured (verify, status); the others keep process.stdout, which in-process tests spy on.
 */
export function out(text: string): void {
  const fs = process.getBuiltinModule?.('node:fs'); // not an ESM import of node:fs: its facade loads node:stream
  if (outClosed) return;
  if (!fs || outStream) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) done += fs.writeSync(1, bytes, done);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') outClosed = true;
    else if (code === 'EAGAIN') {
      outStream = true;
      process.stdout.write(bytes.subarray(done));
    } else throw e;
  }
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
