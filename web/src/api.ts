// The node's HTTP API from the console: same origin, JSON, and a bearer token when the node asks for one (401).
// The token stays in this tab's sessionStorage.
const TOKEN_KEY = 'tongban.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const token = (): string | null => sessionStorage.getItem(TOKEN_KEY);

export function setToken(t: string): void {
  sessionStorage.setItem(TOKEN_KEY, t);
  window.dispatchEvent(new Event('tongban-token'));
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const tk = token();
  if (tk) headers.set('authorization', `Bearer ${tk}`);
  const res = await fetch(path, { ...init, headers });
  if (res.ok) return res;
  let code = `HTTP_${res.status}`;
  let message = res.statusText;
  try {
    const b = (await res.json()) as { code?: string; message?: string };
    code = b.code ?? code;
    message = b.message ?? message;
  } catch {
    // not a JSON error body
  }
  if (res.status === 401) window.dispatchEvent(new Event('tongban-auth-needed'));
  throw new ApiError(res.status, code, message);
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await call(path)).json()) as T;
}

export async function getBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await call(path)).arrayBuffer());
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return (await (await call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as T;
}

/** A query string of the non-empty values. */
export const query = (o: Record<string, string | number | undefined>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};
