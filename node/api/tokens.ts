import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';

/**
 * API tokens for local systems (README "Securing the API"): a token is shown once, and only its SHA-256
 * is stored, in a JSON file of the node's home that the node re-reads whenever it changes.
 */

/** What a token may do; a route needs one scope (node/api/auth.ts). */
export const SCOPES = ['read', 'write', 'admin', 'supervise'] as const;
export type Scope = (typeof SCOPES)[number];

/** Scopes a scope includes: admin everything; write and supervise include read (their clients read what they write). */
export const SCOPE_INCLUDES: Record<Scope, readonly Scope[]> = {
  read: ['read'],
  write: ['write', 'read'],
  supervise: ['supervise', 'read'],
  admin: ['admin', 'write', 'supervise', 'read'],
};

export const TOKEN_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';
/** A token: a fixed prefix (recognisable in a leaked file or a secret scanner) and 32 random bytes, base64url. */
const TOKEN_PREFIX = 'tbt_';
const TOKEN_SHAPE = /^tbt_[A-Za-z0-9_-]{43}$/;

export interface TokenEntry {
  name: string;
  scopes: Scope[];
  /** SHA-256 of the token, hex. */
  sha256: string;
  /** ISO 8601 time of creation. */
  created: string;
}

export type TokenErrorCode = 'TOKENS_FILE_INVALID' | 'TOKEN_NAME_INVALID' | 'TOKEN_NAME_TAKEN' | 'TOKEN_NOT_FOUND' | 'TOKEN_SCOPE_INVALID';

export class TokenError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export const newToken = (): string => TOKEN_PREFIX + randomBytes(32).toString('base64url');

export const includes = (held: readonly Scope[], need: Scope): boolean => held.some((s) => SCOPE_INCLUDES[s].includes(need));

/** `read,write` → ['read', 'write']; an unknown or repeated scope is an error naming it. */
export function parseScopes(text: string): Scope[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new TokenError('TOKEN_SCOPE_INVALID', `scopes: a comma-separated list of ${SCOPES.join(', ')}`);
  for (const p of parts) if (!(SCOPES as readonly string[]).includes(p)) throw new TokenError('TOKEN_SCOPE_INVALID', `scope ${p}: not one of ${SCOPES.join(', ')}`);
  if (new Set(parts).size !== parts.length) throw new TokenError('TOKEN_SCOPE_INVALID', `scopes ${text}: a scope is repeated`);
  return parts as Scope[];
}

function checkEntry(e: unknown, i: number, file: string): TokenEntry {
  const bad = (what: string) => new TokenError('TOKENS_FILE_INVALID', `${file}: tokens.${i}: ${what}`);
  if (typeof e !== 'object' || e === null) throw bad('not an object');
  const x = e as Record<string, unknown>;
  if (typeof x.name !== 'string' || !new RegExp(TOKEN_NAME_PATTERN).test(x.name)) throw bad('name is missing or invalid');
  if (typeof x.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(x.sha256)) throw bad('sha256 is not 64 hex digits');
  if (!Array.isArray(x.scopes) || x.scopes.length === 0 || !x.scopes.every((s) => (SCOPES as readonly unknown[]).includes(s))) throw bad(`scopes must be a list of ${SCOPES.join(', ')}`);
  if (typeof x.created !== 'string') throw bad('created is missing');
  return { name: x.name, scopes: x.scopes as Scope[], sha256: x.sha256, created: x.created };
}

/** The tokens of a file; undefined when there is no file. A damaged file is an error naming what is wrong. */
export function readTokens(file: string): TokenEntry[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw new TokenError('TOKENS_FILE_INVALID', `${file}: cannot be read: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new TokenError('TOKENS_FILE_INVALID', `${file}: not valid JSON`);
  }
  const tokens = (v as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(tokens)) throw new TokenError('TOKENS_FILE_INVALID', `${file}: expected {"tokens": [...]}`);
  return tokens.map((e, i) => checkEntry(e, i, file));
}

/** Replace the file in one rename (a reader sees the old or the new list, never half), mode 0600. */
export function writeTokens(file: string, tokens: TokenEntry[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ tokens }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Add a token named `name`; returns the token itself, which is stored nowhere. */
export function createToken(file: string, name: string, scopes: Scope[], now = new Date()): { token: string; entry: TokenEntry } {
  if (!new RegExp(TOKEN_NAME_PATTERN).test(name)) throw new TokenError('TOKEN_NAME_INVALID', `token name ${JSON.stringify(name)}: lower-case letters, digits, '.', '_' or '-', at most 64`);
  if (scopes.length === 0) throw new TokenError('TOKEN_SCOPE_INVALID', `a token needs at least one scope of ${SCOPES.join(', ')}`);
  const tokens = readTokens(file) ?? [];
  if (tokens.some((t) => t.name === name)) throw new TokenError('TOKEN_NAME_TAKEN', `a token named ${name} exists: revoke it first or choose another name`);
  const token = newToken();
  const entry: TokenEntry = { name, scopes, sha256: hashToken(token), created: now.toISOString() };
  writeTokens(file, [...tokens, entry]);
  return { token, entry };
}

export function revokeToken(file: string, name: string): void {
  const tokens = readTokens(file) ?? [];
  if (!tokens.some((t) => t.name === name)) throw new TokenError('TOKEN_NOT_FOUND', `no token named ${name}`);
  writeTokens(
    file,
    tokens.filter((t) => t.name !== name),
  );
}

/**
 * The node's view of a token file: re-read when the file changes (one stat per check, so a token created or
 * revoked by the CLI counts from the next request); `exists` tells whether tokens are in force in `auto` mode.
 */
export class TokenFile {
  private stamp = '';
  private byHash = new Map<string, TokenEntry>();
  private present = false;

  constructor(readonly file: string) {}

  /** Re-read the file if it changed; a damaged file throws (the caller refuses rather than opens). */
  refresh(): void {
    const st = statSync(this.file, { throwIfNoEntry: false });
    const stamp = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'absent';
    if (stamp === this.stamp) return;
    const tokens = readTokens(this.file);
    this.present = tokens !== undefined;
    this.byHash = new Map((tokens ?? []).map((t) => [t.sha256, t]));
    this.stamp = stamp;
  }

  get exists(): boolean {
    return this.present;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The entry of a presented token, if it is one; anything not shaped like a token is not hashed. */
  verify(token: string): TokenEntry | undefined {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    return this.byHash.get(hashToken(token));
  }
}
