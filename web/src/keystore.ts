import { fromHex, toHex } from '../../protocol/bytes.js';
import { publicKeyOf, sign } from '../../protocol/crypto.js';

// An official's actor key in this browser only: IndexedDB, never sent. With WebCrypto Ed25519 the seed is imported
// as a non-extractable CryptoKey (the page itself cannot read it back); without it, noble signs with the stored seed.

export interface StoredKey {
  id: string;
  pub: string;
  /** WebCrypto: a non-extractable Ed25519 private key. */
  key?: CryptoKey;
  /** Fallback (no WebCrypto Ed25519): the seed, hex. */
  seed?: string;
}

export class KeyImportError extends Error {
  constructor(
    readonly code: 'KEY_FILE_INVALID' | 'KEY_NOT_ACTOR',
    message: string,
  ) {
    super(message);
    this.name = 'KeyImportError';
  }
}

/** Parse an actor key file (cli/keyfile.ts: JSON {type: tongban-key/v1, kind: actor, id, seed, pub}). */
export function parseKeyFile(text: string): { id: string; seed: Uint8Array; pub: Uint8Array } {
  let x: { type?: unknown; kind?: unknown; id?: unknown; seed?: unknown; pub?: unknown };
  try {
    x = JSON.parse(text);
  } catch {
    throw new KeyImportError('KEY_FILE_INVALID', 'the key file is not JSON');
  }
  if (x.type !== 'tongban-key/v1' || typeof x.seed !== 'string' || !/^[0-9a-f]{64}$/.test(x.seed))
    throw new KeyImportError('KEY_FILE_INVALID', 'not a tongban key file (type, kind and a 64-hex seed)');
  if (x.kind !== 'actor' || typeof x.id !== 'string') throw new KeyImportError('KEY_NOT_ACTOR', `this is a ${String(x.kind)} key; import an official's actor key (kind actor, with an id)`);
  const seed = fromHex(x.seed);
  const pub = publicKeyOf(seed);
  if (x.pub !== undefined && x.pub !== toHex(pub)) throw new KeyImportError('KEY_FILE_INVALID', 'pub does not match seed');
  return { id: x.id, seed, pub };
}

const PKCS8_ED25519 = fromHex('302e020100300506032b657004220420');

async function webCryptoKey(seed: Uint8Array): Promise<CryptoKey | undefined> {
  try {
    const der = new Uint8Array(PKCS8_ED25519.length + 32);
    der.set(PKCS8_ED25519);
    der.set(seed, PKCS8_ED25519.length);
    return await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
  } catch {
    return undefined; // no Ed25519 in this browser's WebCrypto
  }
}

function db(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open('tongban-console', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('keys', { keyPath: 'id' });
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const d = await db();
  return new Promise((resolve, reject) => {
    const r = f(d.transaction('keys', mode).objectStore('keys'));
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export async function importKey(text: string): Promise<StoredKey> {
  const k = parseKeyFile(text);
  const key = await webCryptoKey(k.seed);
  const stored: StoredKey = key ? { id: k.id, pub: toHex(k.pub), key } : { id: k.id, pub: toHex(k.pub), seed: toHex(k.seed) };
  k.seed.fill(0);
  await tx('readwrite', (s) => s.put(stored));
  return stored;
}

export const listKeys = (): Promise<StoredKey[]> => tx('readonly', (s) => s.getAll() as IDBRequest<StoredKey[]>);

export const forgetKey = (id: string): Promise<undefined> => tx('readwrite', (s) => s.delete(id) as IDBRequest<undefined>);

/** Sign a message with a stored key. */
export async function signWith(k: StoredKey, msg: Uint8Array): Promise<Uint8Array> {
  if (k.key) return new Uint8Array(await crypto.subtle.sign('Ed25519', k.key, msg as BufferSource));
  return sign(fromHex(k.seed!), msg);
}
