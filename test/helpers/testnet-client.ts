import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toBase64 } from '../../protocol/bytes.js';
import { publicKeyOf } from '../../protocol/crypto.js';
import { signRequest } from '../../protocol/records/request.js';
import type { CborMap } from '../../protocol/cbor.js';
import type { Testnet } from '../../testnet/network.js';

export function seedOfKeyFile(path: string): Uint8Array {
  return fromHex(JSON.parse(readFileSync(path, 'utf8')).seed);
}

/** Sign and POST a request as an official of member i; returns the HTTP status and body. */
export async function submitTo(net: Testnet, i: number, actor: string, seed: Uint8Array, kind: string, body: CborMap, refs?: Uint8Array[]) {
  const st = await net.api(i, '/v1/status');
  const s = signRequest({ net: fromHex(st.network), author: net.members[i]!.id, kind, body, refs }, actor, seed);
  const res = await fetch(`${net.members[i]!.url}/v1/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ request: toBase64(s.bytes), actor, sig: toBase64(s.actor.sig) }),
  });
  return { status: res.status, body: (await res.json()) as { id: string; seq: number; code?: string } };
}

/** Register a registrar official `clerk` at member i (idempotent per run) and return its seed. */
export async function clerk(net: Testnet, i: number): Promise<Uint8Array> {
  const seed = new Uint8Array(32).fill(0x70 + i);
  const admin = seedOfKeyFile(join(net.members[i]!.home, 'keys', 'admin.key'));
  const r = await submitTo(net, i, 'admin', admin, 'org.actor', { id: 'clerk', key: publicKeyOf(seed), roles: ['registrar'], active: true });
  if (r.status !== 201) throw new Error(`clerk at ${net.members[i]!.id}: ${JSON.stringify(r.body)}`);
  return seed;
}

export async function register(net: Testnet, i: number, seed: Uint8Array, n: number) {
  const doc = new Uint8Array(32);
  new DataView(doc.buffer).setUint32(0, n);
  doc[31] = i;
  return submitTo(net, i, 'clerk', seed, 'doc.register', { doc, type: 'fault-test', class: 'public' });
}

export async function status(net: Testnet, i: number): Promise<{ logs: { author: string; size: number; finalSize: number; forked: boolean }[]; epoch: number; peers: string[] }> {
  return net.api(i, '/v1/status');
}
