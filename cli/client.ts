import { toBase64 } from '../protocol/bytes.js';
import type { CborMap } from '../protocol/cbor.js';
import { signRequest } from '../protocol/records/request.js';
import { fromHex } from '../protocol/bytes.js';
import { CliError, EXIT } from './io.js';

/** A small client of a node's HTTP API; a node that cannot be reached exits 3. */
export class NodeClient {
  constructor(readonly url: string) {}

  private async call(path: string, init?: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new CliError(`node at ${this.url} is unreachable: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, EXIT.UNREACHABLE);
    }
  }

  async json<T = any>(path: string, init?: RequestInit): Promise<T> {
    const res = await this.call(path, init);
    const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    if (!res.ok) throw new CliError(`node refused: ${body.code ?? res.status}: ${body.message ?? res.statusText}`, res.status === 404 ? EXIT.NOT_STANDING : EXIT.USAGE);
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

  status(): Promise<{ member: string; consortium: string; network: string; epoch: number; peerId: string; peers: string[]; logs: { author: string; size: number; finalSize: number; forked: boolean }[]; admitted: boolean; version: string; addresses: string[]; appendRefused?: { code: string; message: string } | null }> {
    return this.json('/v1/status');
  }

  /** Sign a request with an actor's key and submit it; returns {id, author, seq}. */
  async submit(actor: { id: string; seed: Uint8Array }, kind: string, body: CborMap, refs?: Uint8Array[]): Promise<{ id: string; author: string; seq: number }> {
    const st = await this.status();
    const s = signRequest({ net: fromHex(st.network), author: st.member, kind, body, refs }, actor.id, actor.seed);
    return this.json('/v1/records', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: toBase64(s.bytes), actor: actor.id, sig: toBase64(s.actor.sig) }),
    });
  }

  async signed(actor: { id: string; seed: Uint8Array }, kind: string, body: CborMap): Promise<{ request: string; actor: string; sig: string }> {
    const st = await this.status();
    const s = signRequest({ net: fromHex(st.network), author: st.member, kind, body }, actor.id, actor.seed);
    return { request: toBase64(s.bytes), actor: actor.id, sig: toBase64(s.actor.sig) };
  }
}
