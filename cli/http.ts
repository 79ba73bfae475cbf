import type { IncomingMessage, RequestOptions } from 'node:http';
import { createRequire } from 'node:module';

// The CLI's HTTP transport: node:http, not fetch. fetch loads and compiles undici on first use, which took
// about half of a client command's whole process (`tongban status`: 83 of 182 ms in a CPU profile). node:http
// is required, not imported: the ESM facade of node:http reads its lazy WebSocket getters, loading undici anyway.
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/** What NodeClient reads of a response (the subset of fetch's Response it used). */
export interface HttpResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** One request; rejects on a connection error or abort, resolves with the whole body read. */
export async function httpCall(url: string, init: HttpInit = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? (createRequire(import.meta.url)('node:https') as typeof import('node:https')).request : http.request;
  const headers = { ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) };
  const options: RequestOptions = { method: init.method ?? 'GET', headers, signal: init.signal };
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(u, options, resolve);
    // An abort by the signal (AbortSignal.timeout) rejects with the signal's reason, a TimeoutError, as fetch does.
    req.on('error', (e) => reject(init.signal?.aborted ? init.signal.reason : e));
    req.end(init.body);
  });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const status = res.statusCode ?? 0;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    headers: {
      get: (name: string) => {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
      },
    },
    json: async () => JSON.parse(body.toString('utf8')) as unknown,
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
  };
}

/** httpCall in the shape of the part of fetch the client SDK's Http uses (ok, status, headers.get, arrayBuffer). */
export const nodeFetch = (async (input: string | URL | Request, init?: RequestInit) =>
  (await httpCall(String(input), {
    method: init?.method,
    headers: init?.headers as Record<string, string> | undefined,
    body: init?.body as string | undefined,
    signal: init?.signal ?? undefined,
  })) as unknown as Response) as typeof fetch;
