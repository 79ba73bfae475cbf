import { ClientError } from './errors.js';

/** How a call may be repeated when its answer is lost or the node says "later". */
export type RetryClass =
  /** Reads and prepare: nothing changes on the node, any failure may be retried. */
  | 'idempotent'
  /**
   * A signed submission: the node refuses a second use of its nonce, so sending
   * the same bytes again can never store a second record. Retried on network
   * errors and timeouts (answer lost), on 503 RECOVERING/CLOCK_SKEW and 429
   * (refused before anything was stored).
   */
  | 'signed-submission'
  /** Anything else: never repeated. */
  | 'once';

export interface HttpOptions {
  /** Retries after the first attempt (default 4). */
  retries: number;
  /** First backoff in ms, doubled each retry with up to 50% jitter, capped at maxBackoffMs (default 250). */
  backoffMs: number;
  maxBackoffMs: number;
  /** Per attempt, ms (default 30000); a write that waits for a state adds its wait. */
  timeoutMs: number;
  /** The fetch to use (default globalThis.fetch): a browser's, Node's, or one with TLS/auth settings. */
  fetch: typeof fetch;
  /** Headers sent with every call (an API token, a tracing id). */
  headers: Record<string, string>;
}

export const HTTP_DEFAULTS: Omit<HttpOptions, 'fetch'> = { retries: 4, backoffMs: 250, maxBackoffMs: 5_000, timeoutMs: 30_000, headers: {} };

/** Node error codes that mean "refused before anything happened, try again later". */
export const RETRY_LATER_CODES: readonly string[] = ['RECOVERING', 'CLOCK_SKEW', 'RATE_LIMITED'];

export interface Call {
  method: 'GET' | 'POST';
  path: string;
  json?: unknown;
  accept?: string;
  retry: RetryClass;
  /** Extra ms this call's answer may take (a write waiting for a state). */
  extraTimeoutMs?: number;
}

/** The node's error body. */
export interface NodeErrorBody {
  code?: string;
  message?: string;
  standing?: string;
  field?: string;
}

export interface Answer {
  status: number;
  body: Uint8Array;
  contentType: string;
  /** Attempts made; > 1 when an earlier answer was lost or refused for now. */
  attempts: number;
  /** An earlier attempt of this call may have reached the node (its answer was lost). */
  maybeDelivered: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryable(c: RetryClass, status: number, code: string | undefined): boolean {
  if (c === 'once') return false;
  if (status === 429) return true;
  if (status === 503) return c === 'idempotent' || RETRY_LATER_CODES.includes(code ?? '');
  return c === 'idempotent' && (status === 502 || status === 504);
}

/** A small HTTP client over fetch: JSON in, bytes out, retries with backoff by the call's RetryClass. */
export class Http {
  readonly opts: HttpOptions;

  constructor(
    readonly baseUrl: string,
    opts: Partial<HttpOptions> = {},
  ) {
    // The global fetch looked up at each call (a test or polyfill may set it later); undefined options keep their defaults.
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as Partial<HttpOptions>;
    this.opts = { ...HTTP_DEFAULTS, fetch: (...a) => globalThis.fetch(...a), ...given };
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** attempt);
    return base / 2 + (Math.random() * base) / 2;
  }

  async call(c: Call): Promise<Answer> {
    let maybeDelivered = false;
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.opts.retries;
      let res: Response;
      let body: Uint8Array;
      try {
        const headers: Record<string, string> = { ...this.opts.headers, ...(c.accept ? { accept: c.accept } : {}) };
        if (c.json !== undefined) headers['content-type'] = 'application/json';
        res = await this.opts.fetch(`${this.baseUrl}${c.path}`, {
          method: c.method,
          headers,
          ...(c.json !== undefined ? { body: JSON.stringify(c.json) } : {}),
          signal: AbortSignal.timeout(this.opts.timeoutMs + (c.extraTimeoutMs ?? 0)),
        });
        // Read here: a connection lost in the middle of the answer is a lost answer too.
        body = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        const timeout = (e as Error).name === 'TimeoutError';
        if (c.method === 'POST') maybeDelivered = true;
        if (c.retry !== 'once' && !last) {
          await sleep(this.backoff(attempt));
          continue;
        }
        const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
        throw new ClientError(timeout ? 'TIMEOUT' : 'UNREACHABLE', `node at ${this.baseUrl} ${timeout ? 'did not answer in time' : `is unreachable: ${cause}`}`, { cause: e });
      }
      if (!res.ok && !last) {
        const err = parseError(body);
        if (retryable(c.retry, res.status, err.code)) {
          await sleep(this.backoff(attempt));
          continue;
        }
      }
      return { status: res.status, body, contentType: res.headers.get('content-type') ?? '', attempts: attempt + 1, maybeDelivered };
    }
  }
}

export function parseError(body: Uint8Array): NodeErrorBody {
  try {
    const x = JSON.parse(new TextDecoder().decode(body)) as NodeErrorBody;
    return typeof x === 'object' && x !== null ? x : {};
  } catch {
    return {};
  }
}

/** The typed error for a node's refusal. */
export function refusal(a: Answer, what: string): ClientError {
  const b = parseError(a.body);
  const standing = b.standing ? ` (the record that stands: ${b.standing})` : '';
  return new ClientError(a.status === 404 ? 'NOT_FOUND' : 'REFUSED', `${what}: ${b.code ?? a.status}: ${b.message ?? 'refused'}${standing}`, {
    status: a.status,
    ...(b.code ? { nodeCode: b.code } : {}),
    ...(b.field ? { field: b.field } : {}),
    ...(b.standing ? { standing: b.standing } : {}),
  });
}

/** The JSON of an answer, or BAD_RESPONSE. */
export function jsonOf<T>(a: Answer, what: string): T {
  try {
    return JSON.parse(new TextDecoder().decode(a.body)) as T;
  } catch {
    throw new ClientError('BAD_RESPONSE', `${what}: the node's answer is not JSON`, { status: a.status });
  }
}
