import { toBase64 } from '../protocol/bytes.js';
import type { CborMap } from '../protocol/cbor.js';
import { fromHex } from '../protocol/bytes.js';
import { httpCall, type HttpInit, type HttpResponse } from './http.js';
import { CliError, EXIT, usage } from './io.js';

const STATES = ['durable', 'replicated', 'final'] as const;
type StateName = (typeof STATES)[number];

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
  if (!STATES.includes(o.wait as StateName)) throw usage(`--wait: one of ${STATES.join(', ')}, not ${o.wait}`);
  const ms = o.waitTimeout === undefined ? undefined : Number(o.waitTimeout);
  if (ms !== undefined && !(Number.isInteger(ms) && ms >= 0 && ms <= 600_000)) throw usage('--wait-timeout: milliseconds, 0 to 600000');
  return { state: o.wait as StateName, timeoutMs: ms };
}

/** A small client of a node's HTTP API; a node that cannot be reached exits 3. */
export class NodeClient {
  constructor(
    readonly url: string,
    readonly wait?: WaitFor,
  ) {}

  private async call(path: string, init?: HttpInit): Promise<HttpResponse> {
    try {
      return await httpCall(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(30_000 + (this.wait ? (this.wait.timeoutMs ?? 30_000) : 0)) });
    } catch (e) {
      throw new CliError(`node at ${this.url} is unreachable: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, EXIT.UNREACHABLE);
    }
  }

  async json<T = any>(path: string, init?: HttpInit): Promise<T> {
    const res = await this.call(path, init);
    const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string; standing?: string };
    const standing = body.standing ? ` (the record that stands: ${body.standing})` : '';
    if (!res.ok) throw new CliError(`node refused: ${body.code ?? res.status}: ${body.message ?? res.statusText}${standing}`, res.status === 404 ? EXIT.NOT_STANDING : EXIT.USAGE);
    return body as T;
  }

  async bytes(path: string): Promise<Uint8Array | undefined> {
    const res = await this.call(path);
    if (res.status === 404) return undefined;
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      throw new CliError(`node refused: ${body.code ?? res.status}: ${body.message ?? res.statusText}`, EXIT.USAGE);
    }
    return new Uint8Array(await res.arrayBuffer());
  }

  status(): Promise<{
    member: string;
    consortium: string;
    network: string;
    epoch: number;
    peerId: string;
    peers: string[];
    logs: { author: string; size: number; finalSize: number; forked: boolean }[];
    admitted: boolean;
    version: string;
    addresses: string[];
    appendRefused?: { code: string; message: string } | null;
  }> {
    return this.json('/v1/status');
  }

  /** Sign a request with an actor's key and submit it; returns {id, author, seq} and the record's state. */
  async submit(actor: { id: string; seed: Uint8Array }, kind: string, body: CborMap, refs?: Uint8Array[]): Promise<{ id: string; author: string; seq: number; state?: StateName }> {
    const st = await this.status();
    const { signRequest } = await import('../protocol/records/request.js'); // CBOR and Ed25519: not for read-only commands
    const s = signRequest({ net: fromHex(st.network), author: st.member, kind, body, refs }, actor.id, actor.seed);
    const w = this.wait;
    const query = w ? `?wait=${w.state}${w.timeoutMs !== undefined ? `&timeoutMs=${w.timeoutMs}` : ''}` : '';
    const r = await this.json<{ id: string; author: string; seq: number; state?: StateName }>(`/v1/records${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: toBase64(s.bytes), actor: actor.id, sig: toBase64(s.actor.sig) }),
    });
    if (w && r.state) {
      const reached = STATES.indexOf(r.state) >= STATES.indexOf(w.state);
      process.stderr.write(reached ? `record ${r.id} is ${r.state}\n` : `record ${r.id} is ${r.state}, not yet ${w.state} (waited ${w.timeoutMs ?? 30_000} ms; it is stored and counts)\n`);
    }
    return r;
  }

  async signed(actor: { id: string; seed: Uint8Array }, kind: string, body: CborMap): Promise<{ request: string; actor: string; sig: string }> {
    const st = await this.status();
    const { signRequest } = await import('../protocol/records/request.js');
    const s = signRequest({ net: fromHex(st.network), author: st.member, kind, body }, actor.id, actor.seed);
    return { request: toBase64(s.bytes), actor: actor.id, sig: toBase64(s.actor.sig) };
  }
}
