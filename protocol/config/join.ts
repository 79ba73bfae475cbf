import { concat, fromBase64, toBase64, utf8 } from '../bytes.js';
import { encodeCanonical } from '../cbor.js';
import { checkEnrollableKey, publicKeyOf, sha256, sign, verify } from '../crypto.js';
import { ProtocolError } from '../errors.js';
import { formatVkey, isPeerId, parseVkey, peerIdOf, peerIdPublicKey } from '../keys.js';
import { isConsortiumName, isMemberId, isRegionCode, MEMBER_ID_PATTERN, originOf } from '../names.js';
import { MEMBER_ROLES, type Member, type MemberRole } from './config.js';

/**
 * A join request: the file a newcomer hands to the consortium (JSON). It
 * carries everything its member entry needs, signed by the new ledger key
 * (proof of possession) and by the new peer key (so nobody can enrol a peer
 * id they do not hold). Both sign "tongban/v1/join\0" || SHA-256(canonical
 * CBOR of the member fields); the prefix keeps it apart from the other
 * messages the ledger key signs (§3).
 */
export const JOIN_REQUEST_TYPE = 'tongban-join-request/v1';
const JOIN_PREFIX = utf8('tongban/v1/join\x00');
const MAX_JOIN_BYTES = 16 * 1024;

export interface JoinRequest {
  type: typeof JOIN_REQUEST_TYPE;
  consortium: string;
  id: string;
  name: string;
  region: string;
  /** C2SP vkey of the ledger key, named `<consortium>/<id>`. */
  vkey: string;
  peer: string;
  addrs: string[];
  roles: MemberRole[];
  /** base64 Ed25519 signatures by the ledger key and by the peer key. */
  sig: string;
  peerSig: string;
}

export interface JoinFields {
  consortium: string;
  id: string;
  name: string;
  region: string;
  addrs: string[];
  roles: MemberRole[];
}

function joinMessage(consortium: string, m: Member): Uint8Array {
  const digest = sha256(encodeCanonical({ consortium, id: m.id, name: m.name, region: m.region, key: m.key, peer: m.peer, addrs: m.addrs, roles: m.roles }));
  return concat(JOIN_PREFIX, digest);
}

export function createJoinRequest(fields: JoinFields, ledgerSeed: Uint8Array, peerSeed: Uint8Array): JoinRequest {
  const key = publicKeyOf(ledgerSeed);
  const peer = peerIdOf(publicKeyOf(peerSeed));
  const roles = [...new Set(fields.roles)].sort() as MemberRole[];
  const member: Member = { id: fields.id, name: fields.name, region: fields.region, key, peer, addrs: [...fields.addrs], roles };
  const msg = joinMessage(fields.consortium, member);
  const req: JoinRequest = {
    type: JOIN_REQUEST_TYPE,
    consortium: fields.consortium,
    id: fields.id,
    name: fields.name,
    region: fields.region,
    vkey: formatVkey(originOf(fields.consortium, fields.id), key),
    peer,
    addrs: member.addrs,
    roles,
    sig: toBase64(sign(ledgerSeed, msg)),
    peerSig: toBase64(sign(peerSeed, msg)),
  };
  parseJoinRequest(JSON.stringify(req));
  return req;
}

export function formatJoinRequest(req: JoinRequest): string {
  return JSON.stringify(req, null, 2) + '\n';
}

function bad(field: string, expected: string): never {
  throw new ProtocolError('JOIN_REQUEST_INVALID', `join request ${field}: expected ${expected}`, field);
}

export interface ParsedJoinRequest {
  request: JoinRequest;
  consortium: string;
  member: Member;
}

/** Parse and fully check a join request file, including both signatures. */
export function parseJoinRequest(text: string): ParsedJoinRequest {
  if (typeof text !== 'string' || text.length > MAX_JOIN_BYTES) bad('file', `JSON of at most ${MAX_JOIN_BYTES} bytes`);
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    return bad('file', 'valid JSON');
  }
  if (typeof x !== 'object' || x === null || Array.isArray(x)) bad('file', 'a JSON object');
  const r = x as Record<string, unknown>;
  const allowed = ['type', 'consortium', 'id', 'name', 'region', 'vkey', 'peer', 'addrs', 'roles', 'sig', 'peerSig'];
  for (const k of Object.keys(r)) if (!allowed.includes(k)) bad(k, 'no such field');
  if (r.type !== JOIN_REQUEST_TYPE) bad('type', JOIN_REQUEST_TYPE);
  if (!isConsortiumName(r.consortium)) bad('consortium', 'a consortium name');
  if (!isMemberId(r.id)) bad('id', `a member id matching ${MEMBER_ID_PATTERN}`);
  if (typeof r.name !== 'string' || r.name.length === 0 || r.name.length > 256) bad('name', 'a non-empty name');
  if (!isRegionCode(r.region)) bad('region', 'a six-digit GB/T 2260 region code');
  let key: Uint8Array;
  try {
    const vk = parseVkey(r.vkey as string);
    if (vk.type !== 0x01) bad('vkey', 'an Ed25519 (type 0x01) vkey');
    if (vk.name !== originOf(r.consortium, r.id)) bad('vkey', `a key named ${originOf(r.consortium, r.id)}`);
    checkEnrollableKey(vk.pub, 'vkey');
    key = vk.pub;
  } catch (e) {
    if (e instanceof ProtocolError && e.code === 'JOIN_REQUEST_INVALID') throw e;
    return bad('vkey', `a valid C2SP vkey (${(e as Error).message})`);
  }
  if (!isPeerId(r.peer)) bad('peer', 'an Ed25519 libp2p peer id');
  if (!Array.isArray(r.addrs) || r.addrs.length > 16 || r.addrs.some((a) => typeof a !== 'string' || !a.startsWith('/') || a.length > 256)) {
    bad('addrs', 'an array of at most 16 multiaddr strings');
  }
  const roles = r.roles;
  if (!Array.isArray(roles) || roles.length === 0 || roles.some((x) => !MEMBER_ROLES.includes(x as MemberRole))) bad('roles', 'a non-empty array of "author" / "witness"');
  for (let i = 1; i < roles.length; i++) if (!((roles[i - 1] as string) < (roles[i] as string))) bad('roles', 'sorted, unique roles');
  const member: Member = { id: r.id, name: r.name, region: r.region, key, peer: r.peer, addrs: r.addrs as string[], roles: roles as MemberRole[] };
  const msg = joinMessage(r.consortium, member);
  let sig: Uint8Array;
  let peerSig: Uint8Array;
  try {
    sig = fromBase64(r.sig as string);
    peerSig = fromBase64(r.peerSig as string);
  } catch {
    return bad('sig', 'base64 signatures in sig and peerSig');
  }
  if (!verify(key, msg, sig)) bad('sig', 'a signature by the ledger key in vkey');
  if (!verify(peerIdPublicKey(r.peer), msg, peerSig)) bad('peerSig', 'a signature by the key of the peer id');
  return { request: r as unknown as JoinRequest, consortium: r.consortium, member };
}
