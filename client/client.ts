import { fromHex, toBase64, toHex } from '../protocol/bytes.js';
import { verifyBundle, verifyCaseBundle, type CaseBundleReport, type Report } from '../protocol/bundle/index.js';
import type { CaseReport } from '../protocol/cases/report.js';
import { cborToJson } from '../protocol/records/json.js';
import type { RecordRequest } from './builders.js';
import { ClientError } from './errors.js';
import { Http, jsonOf, refusal, type Answer, type HttpOptions } from './http.js';
import { checkPrepared, signRecordRequest, signRequestBytes, type Actor, type PreparedAnswer, type PrepareExpectation, type SignedSubmission } from './sign.js';
import { RECORD_STATES, type CaseList, type Created, type LogPage, type NodeStatus, type RecordStateName, type RecordView } from './types.js';

export interface ClientOptions extends Partial<HttpOptions> {
  /** Polling of waitFinal: first interval and cap, ms (default 200 and 2000). */
  pollMs?: number;
  maxPollMs?: number;
}

export interface WaitOptions {
  /** Let the node answer once the record reaches this state (POST ?wait=); default: answer once durable. */
  wait?: RecordStateName;
  /** Longest wait the node may take, ms (node default 30000, at most 600000). */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex = (s: string, what: string) => {
  if (!/^[0-9a-f]{64}$/.test(s)) throw new ClientError('INVALID_INPUT', `${what}: expected 64 lowercase hex characters`, { field: what });
  return s;
};
const idHex = (id: string | Uint8Array) => (typeof id === 'string' ? id : toHex(id));

/**
 * A Tongban node's HTTP API from a browser or Node: writes signed by an
 * actor key held by the caller (never by the node), reads of records,
 * documents, cases and bundles, and offline verification of bundles.
 */
export class TongbanClient {
  readonly http: Http;
  private readonly pollMs: number;
  private readonly maxPollMs: number;

  constructor(url: string, opts: ClientOptions = {}) {
    const { pollMs, maxPollMs, ...http } = opts;
    this.http = new Http(url, http);
    this.pollMs = pollMs ?? 200;
    this.maxPollMs = maxPollMs ?? 2_000;
  }

  get url(): string {
    return this.http.baseUrl;
  }

  private async get(path: string, what: string, accept?: string): Promise<Answer> {
    const a = await this.http.call({ method: 'GET', path, retry: 'idempotent', ...(accept ? { accept } : {}) });
    if (a.status !== 200) throw refusal(a, what);
    return a;
  }

  private async getJson<T>(path: string, what: string): Promise<T> {
    return jsonOf<T>(await this.get(path, what), what);
  }

  async status(): Promise<NodeStatus> {
    return this.getJson('/v1/status', 'status');
  }

  /** A record by id, decoded, with its state. */
  async record(id: string | Uint8Array): Promise<RecordView> {
    return this.getJson(`/v1/records/${hex(idHex(id), 'record id')}`, 'record');
  }

  async log(author: string, from = 0, limit = 100): Promise<LogPage> {
    return this.getJson(`/v1/logs/${encodeURIComponent(author)}?from=${from}&limit=${limit}`, 'log');
  }

  /** What the node says about a document (the same report an offline verifier makes of its bundle). */
  async doc(sha256: string | Uint8Array): Promise<Report> {
    return this.getJson(`/v1/docs/${hex(idHex(sha256), 'document hash')}`, 'document');
  }

  /** The proof bundle of a document (CBOR bytes), to keep and verify offline with verifyDocBundle. */
  async docBundle(sha256: string | Uint8Array): Promise<Uint8Array> {
    return (await this.get(`/v1/docs/${hex(idHex(sha256), 'document hash')}/bundle`, 'document bundle', 'application/cbor')).body;
  }

  /** The case report (CASES.md §C.6) at `asOf` (ISO 8601 with offset or ms; default the node's now). */
  async caseReport(caseId: string | Uint8Array, asOf?: string | number): Promise<CaseReport> {
    const q = asOf === undefined ? '' : `?asOf=${encodeURIComponent(String(asOf))}`;
    return this.getJson(`/v1/cases/${hex(idHex(caseId), 'case id')}${q}`, 'case');
  }

  async caseBySerial(member: string, serial: string): Promise<CaseReport> {
    return this.getJson(`/v1/cases/by-serial/${encodeURIComponent(member)}/${encodeURIComponent(serial)}`, 'case');
  }

  async cases(query: Record<string, string | number> = {}): Promise<CaseList> {
    const q = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.getJson(`/v1/cases${q ? `?${q}` : ''}`, 'cases');
  }

  async caseBundle(caseId: string | Uint8Array): Promise<Uint8Array> {
    return (await this.get(`/v1/cases/${hex(idHex(caseId), 'case id')}/bundle`, 'case bundle', 'application/cbor')).body;
  }

  /**
   * Submit a signed request (POST /v1/records). Retried when its answer is
   * lost or the node refuses for now (503 RECOVERING/CLOCK_SKEW, 429): the
   * node refuses a second use of the nonce, so a retry never stores twice; a
   * retry refused as a replay after a lost answer is OUTCOME_UNKNOWN.
   */
  async submit(s: SignedSubmission, w: WaitOptions = {}): Promise<Created> {
    const q = w.wait ? `?wait=${w.wait}${w.timeoutMs !== undefined ? `&timeoutMs=${w.timeoutMs}` : ''}` : '';
    const a = await this.http.call({
      method: 'POST',
      path: `/v1/records${q}`,
      json: { request: toBase64(s.request), actor: s.actor, sig: toBase64(s.sig) },
      retry: 'signed-submission',
      extraTimeoutMs: w.wait ? (w.timeoutMs ?? 30_000) : 0,
    });
    if (a.status === 201 || a.status === 202) return jsonOf<Created>(a, 'submit');
    const e = refusal(a, 'node refused');
    if (a.maybeDelivered && e.nodeCode === 'NONCE_REPLAYED') {
      throw new ClientError('OUTCOME_UNKNOWN', `an earlier attempt's answer was lost and the retry was refused as a replay: the record was probably stored (find it in GET /v1/logs/:author)`, {
        status: a.status,
        nodeCode: 'NONCE_REPLAYED',
      });
    }
    throw e;
  }

  /**
   * Sign a request locally with the actor's signer and submit it to this node.
   * The network id and author come from `target` when given (the caller's own
   * consortium config), else from the node's status.
   */
  async write(actor: Actor, r: RecordRequest, w: WaitOptions = {}, target?: { net: Uint8Array; author: string }): Promise<Created> {
    const t = target ?? (await this.target());
    const s = await signRecordRequest(actor, t.net, t.author, r);
    return this.submit(s, w);
  }

  /** The network id and member of this node, from its status (trusted as the node says). */
  async target(): Promise<{ net: Uint8Array; author: string }> {
    const st = await this.status();
    return { net: fromHex(st.network, 'network'), author: st.member };
  }

  /** POST /v1/requests/prepare: the node builds the canonical request; nothing is stored. Check the answer with checkPrepared. */
  async prepare(actorId: string, r: RecordRequest): Promise<PreparedAnswer> {
    const a = await this.http.call({
      method: 'POST',
      path: '/v1/requests/prepare',
      json: { kind: r.kind, body: cborToJson(r.body), ...(r.refs && r.refs.length > 0 ? { refs: r.refs.map(toHex) } : {}), actor: actorId },
      retry: 'idempotent',
    });
    if (a.status !== 200) throw refusal(a, 'node refused to prepare');
    return jsonOf<PreparedAnswer>(a, 'prepare');
  }

  /**
   * Prepare on the node, check the bytes against `expect` (net and author the
   * caller trusts), sign them with the actor's signer, submit. The way a
   * caller that cannot encode CBOR works, done here end to end.
   */
  async writePrepared(actor: Actor, r: RecordRequest, expect: Omit<PrepareExpectation, keyof RecordRequest>, w: WaitOptions = {}): Promise<Created> {
    const answer = await this.prepare(actor.id, r);
    const checked = checkPrepared(answer, { ...expect, ...r });
    return this.submit(await signRequestBytes(actor, checked.bytes), w);
  }

  /**
   * Wait until a record is final (or `state`), polling GET /v1/records/:id
   * with backoff; NOT_FINAL after `timeoutMs` (default 60000). A record that
   * is not final yet is stored and counts: giving up loses nothing.
   */
  async waitFinal(id: string | Uint8Array, opts: { timeoutMs?: number; state?: RecordStateName } = {}): Promise<RecordView> {
    const want = RECORD_STATES.indexOf(opts.state ?? 'final');
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (let i = 0; ; i++) {
      const r = await this.record(id);
      if (RECORD_STATES.indexOf(r.state) >= want) return r;
      if (Date.now() >= deadline) throw new ClientError('NOT_FINAL', `record ${idHex(id)} is ${r.state}, not yet ${RECORD_STATES[want]} (it is stored and counts)`);
      await sleep(Math.min(this.maxPollMs, this.pollMs * 2 ** i, Math.max(0, deadline - Date.now())));
    }
  }
}

/** Verify a document bundle offline against the network id the caller trusts (§8): never throws, everything wrong is in the report. */
export function verifyDocBundle(bytes: Uint8Array, net: Uint8Array): Report {
  return verifyBundle(bytes, net);
}

/** Verify a case bundle offline and evaluate the case at `asOf` (ms, default now). */
export function verifyCaseBundleOffline(bytes: Uint8Array, net: Uint8Array, asOf = Date.now()): CaseBundleReport {
  return verifyCaseBundle(bytes, net, asOf);
}
