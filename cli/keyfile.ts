import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../protocol/bytes.js';
import { publicKeyOf, randomBytes } from '../protocol/crypto.js';

/**
 * Key files: JSON {type, kind, id?, seed, pub}, mode 0600. The seed never
 * leaves the file except into memory; `pub` lets others read the public part.
 */
export type KeyKind = 'ledger' | 'peer' | 'actor';

export interface KeyFile {
  type: 'tongban-key/v1';
  kind: KeyKind;
  /** Actor id, for actor keys. */
  id?: string;
  seed: string;
  pub: string;
}

export class KeyFileError extends Error {
  readonly code: 'KEY_FILE_MISSING' | 'KEY_FILE_INSECURE' | 'KEY_FILE_INVALID' | 'KEY_FILE_EXISTS';
  constructor(code: KeyFileError['code'], message: string) {
    super(message);
    this.name = 'KeyFileError';
    this.code = code;
  }
}

export interface LoadedKey {
  kind: KeyKind;
  id?: string;
  seed: Uint8Array;
  pub: Uint8Array;
}

export function writeKeyFile(path: string, kind: KeyKind, id?: string, seed = randomBytes(32)): LoadedKey {
  if (existsSync(path)) throw new KeyFileError('KEY_FILE_EXISTS', `${path} exists already; not overwriting a key`);
  const pub = publicKeyOf(seed);
  const file: KeyFile = { type: 'tongban-key/v1', kind, ...(id ? { id } : {}), seed: toHex(seed), pub: toHex(pub) };
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { kind, id, seed, pub };
}

/** Read a key file; refuses files that others can read (`checkMode`), and malformed ones. */
export function readKeyFile(path: string, expect?: KeyKind, checkMode = true): LoadedKey {
  if (!existsSync(path)) throw new KeyFileError('KEY_FILE_MISSING', `key file ${path} does not exist`);
  if (checkMode && process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) throw new KeyFileError('KEY_FILE_INSECURE', `key file ${path} has mode ${mode.toString(8)}; it must be readable by its owner only (chmod 600)`);
  }
  let x: Partial<KeyFile>;
  try {
    x = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyFile>;
  } catch {
    throw new KeyFileError('KEY_FILE_INVALID', `key file ${path} is not JSON`);
  }
  if (x.type !== 'tongban-key/v1' || !['ledger', 'peer', 'actor'].includes(x.kind as string) || typeof x.seed !== 'string' || !/^[0-9a-f]{64}$/.test(x.seed)) {
    throw new KeyFileError('KEY_FILE_INVALID', `key file ${path} is not a tongban key (type, kind and a 64-hex seed are required)`);
  }
  if (expect && x.kind !== expect) throw new KeyFileError('KEY_FILE_INVALID', `key file ${path} holds a ${x.kind} key, expected a ${expect} key`);
  const seed = fromHex(x.seed);
  const pub = publicKeyOf(seed);
  if (x.pub !== undefined && x.pub !== toHex(pub)) throw new KeyFileError('KEY_FILE_INVALID', `key file ${path}: pub does not match seed`);
  return { kind: x.kind as KeyKind, id: x.id, seed, pub };
}
