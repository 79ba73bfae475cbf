import { toBase64, fromHex } from '../protocol/bytes.js';
import type { CborMap } from '../protocol/cbor.js';
import { ClientError } from '../client/errors.js';
import { Http, parseError, type Answer } from '../client/http.js';
import { RECORD_STATES, type NodeStatus, type RecordStateName } from '../client/types.js';
import { certTrouble } from './credentials.js';
import { nodeFetch } from './http.js';
import { CliError, EXIT, usage } from './io.js';
import { msg } from './messages.js';

type StateName = RecordStateName;

/** `--wait STATE [--wait-timeout MS]` of write commands: the node answers once the record reaches STATE, or at the timeout. */
export interface WaitFor {
  state: StateName;
  timeoutMs?: number;
}

export function waitOf(o: { wait?: string; waitTimeout?: string }): WaitFor | undefined {
  if (o.wait === undefined) {
    if (o.waitTimeout !== undefined) throw usage('--wait-timeout needs --wait');
    return undefined;
  }
  if (!RECORD_STATES.includes(o.wait as StateName)) throw usage(`--wait: one of ${RECORD_STATES.join(', ')}, not ${o.wait}`);
  const ms = o.waitTimeout === undefined ? undefined : Number(o.waitTimeout);
  if (ms !== undefined && !(Number.isInteger(ms) && ms >= 0 && ms <= 600_000)) throw usage('--wait-timeout: milliseconds, 0 to 600000');
  return { state: o.wait as StateName, timeoutMs: ms };
}

const signing = async () => ({ ...(await import('../client/sign.js')), ...(await import('../protocol/signer.js')) });

/** The node's refusals for a missing or bad API token (node/api/auth.ts); other 401s (ACTOR_SIGNATURE) are not about tokens. */
const TOKEN_REFUSALS: readonly string[] = ['AUTH_REQUIRED', 'AUTH_INVALID', 'TOKEN_UNKNOWN'];

/** A secured node refused for want of a token (README "Securing the API"): say where the CLI takes it from. */
const tokenHint = (code: string | undefined) => (code !== undefined && TOKEN_REFUSALS.includes(code) ? ' (the CLI sends --token, else env TONGBAN_TOKEN, else HOME/client.token)' : '');

const causeOf = (e: unknown): string => {
  const cert = certTrouble(e);
  if (cert) return cert;
  const x = (e as ClientError).cause as Error | undefined;
  return x?.cause instanceof Error ? x.cause.message : (x?.message ?? (e as Error).message);
};

/**
 * The CLI's view of a node's HTTP API, over the client SDK (client/): one
 * attempt per call (the user sees the answer at once and may rerun the
 * command), a node that cannot be reached exits 3, a refusal exits 2 (4 for 404).
 */
export class NodeClient {
  private readonly http: Http;

  constructor(
    readonly url: string,
    readonly wait?: WaitFor,
    /** API token sent as Authorization: Bearer (README "Securing the API"). */
    token?: string,
  ) {
    // node:http underneath, not fetch: loading undici was half of a client command's start-up (cli/http.ts).
    this.http = new Http(url, { retries: 0, timeoutMs: 30_000 + (wait ? (wait.timeoutMs ?? 30_000) : 0), headers: token ? { authorization: `Bearer ${token}` } : {}, fetch: nodeFetch });
  }

  private async call(method: 'GET' | 'POST', path: string, json?: unknown): Promise<Answer> {
    try {
      return await this.http.call({ method, path, retry: 'once', ...(json !== undefined ? { json } : {}) });
    } catch (e) {
      if (e instanceof ClientError && (e.code === 'UNREACHABLE' || e.code === 'TIMEOUT')) throw new CliError(msg('unreachable', this.url, causeOf(e)), EXIT.UNREACHABLE);
      throw e;
    }
  }

  private refused(a: Answer): CliError {
    const body = parseError(a.body);
    return new CliError(`${msg('refused', body.code ?? String(a.status), body.message ?? 'refused', body.standing)}${tokenHint(body.code)}`, a.status === 404 ? EXIT.NOT_STANDING : EXIT.USAGE);
  }

  /** GET `path` (or POST `post` as JSON) and answer its JSON. */
  async json<T = any>(path: string, post?: unknown): Promise<T> {
    const a = await this.call(post === undefined ? 'GET' : 'POST', path, post);
    if (a.status < 200 || a.status > 299) throw this.refused(a);
    try {
      return JSON.parse(new TextDecoder().decode(a.body)) as T;
    } catch {
      return {} as T;
    }
  }

  async bytes(path: string): Promise<Uint8Array | undefined> {
    const a = await this.call('GET', path);
    if (a.status === 404) return undefined;
    if (a.status < 200 || a.status > 299) throw this.refused(a);
    return a.body;
  }

  status(): Promise<NodeStatus> {
    return this.json('/v1/status');
  }

  /** Sign a request with an actor's key and submit it; returns {id, author, seq} and the record's state. */
  async submit(actor: { id: string; seed: Uint8Array }, kind: string, body: CborMap, refs?: Uint8Array[]): Promise<{ id: string; author: string; seq: number; state?: StateName }> {
    const st = await this.status();
    const { signRecordRequest, seedSigner } = await signing(); // CBOR and Ed25519: not for read-only commands
    const s = await signRecordRequest({ id: actor.id, signer: seedSigner(actor.seed) }, fromHex(st.network), st.member, { kind, body, ...(refs ? { refs } : {}) });
    const w = this.wait;
    const query = w ? `?wait=${w.state}${w.timeoutMs !== undefined ? `&timeoutMs=${w.timeoutMs}` : ''}` : '';
    const r = await this.json<{ id: string; author: string; seq: number; state?: StateName }>(`/v1/records${query}`, { request: toBase64(s.request), actor: actor.id, sig: toBase64(s.sig) });
    if (w && r.state) {
      const reached = RECORD_STATES.indexOf(r.state) >= RECORD_STATES.indexOf(w.state);
      process.stderr.write(reached ? `record ${r.id} is ${r.state}\n` : `record ${r.id} is ${r.state}, not yet ${w.state} (waited ${w.timeoutMs ?? 30_000} ms; it is stored and counts)\n`);
    }
    return r;
  }

  async signed(actor: { id: string; seed: Uint8Array }, kind: string, body: CborMap): Promise<{ request: string; actor: string; sig: string }> {
    const st = await this.status();
    const { signRecordRequest, seedSigner } = await signing(); // CBOR and Ed25519: not for read-only commands
    const s = await signRecordRequest({ id: actor.id, signer: seedSigner(actor.seed) }, fromHex(st.network), st.member, { kind, body });
    return { request: toBase64(s.request), actor: actor.id, sig: toBase64(s.sig) };
  }
}
