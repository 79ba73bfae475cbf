import { compareBytes, equalBytes, utf8 } from '../bytes.js';
import { decodeCanonical, encodeCanonical, isMap, type CborMap, type CborValue } from '../cbor.js';
import { checkEnrollableKey, sha256 } from '../crypto.js';
import { ProtocolError, fail } from '../errors.js';
import { isPeerId } from '../keys.js';
import { isConsortiumName, isMemberId, isRegionCode, MEMBER_ID_PATTERN } from '../names.js';

export type MemberRole = 'author' | 'witness';
export const MEMBER_ROLES: readonly MemberRole[] = ['author', 'witness'];

export interface Member {
  id: string;
  name: string;
  region: string;
  /** Ed25519 ledger public key (32 bytes). */
  key: Uint8Array;
  /** libp2p peer id. */
  peer: string;
  addrs: string[];
  roles: MemberRole[];
}

export interface Quorum {
  witness: number;
  governance: number;
}

export interface Config {
  v: 1;
  consortium: string;
  epoch: number;
  /** Id of the epoch-1 config; absent in epoch 0. */
  prev?: Uint8Array;
  members: Member[];
  quorum: Quorum;
  /** The consortium's working calendar (CASES.md §C.5); absent = Monday to Friday. */
  calendar?: Calendar;
}

/** Dates as YYYYMMDD (China Standard Time calendar days): `off` = holidays, `on` = make-up working days (调休). */
export interface Calendar {
  off: number[];
  on: number[];
}

/** PROTOCOL.md §9. */
export const MAX_MEMBERS = 1000;
export const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_NAME = 256;
const MAX_ADDRS = 16;
const MAX_ADDR = 256;

/**
 * Default quorums for n witnesses (PROTOCOL.md §4 uses n witnesses for both
 * the witness and the governance quorum): f = floor((n-1)/3), q = floor((n+f)/2) + 1.
 */
export function defaultQuorum(n: number): number {
  if (!Number.isInteger(n) || n < 1) fail('CONFIG_INVALID', 'a consortium needs at least one witness');
  const f = Math.floor((n - 1) / 3);
  return Math.floor((n + f) / 2) + 1;
}

function bad(field: string, expected: string): never {
  throw new ProtocolError('CONFIG_INVALID', `config ${field}: expected ${expected}`, field);
}

function checkKeys(m: CborMap, allowed: string[], where: string): void {
  for (const k of Object.keys(m)) if (!allowed.includes(k)) bad(`${where}.${k}`, 'no such field');
}

function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function checkMember(x: unknown, i: number): Member {
  const at = `members[${i}]`;
  if (!isMap(x)) bad(at, 'a map');
  checkKeys(x, ['id', 'name', 'region', 'key', 'peer', 'addrs', 'roles'], at);
  if (!isMemberId(x.id)) bad(`${at}.id`, `a member id matching ${MEMBER_ID_PATTERN}`);
  if (typeof x.name !== 'string' || x.name.length === 0 || utf8(x.name).length > MAX_NAME) bad(`${at}.name`, `a non-empty name of at most ${MAX_NAME} bytes`);
  if (!isRegionCode(x.region)) bad(`${at}.region`, 'a six-digit GB/T 2260 region code');
  if (!(x.key instanceof Uint8Array) || x.key.length !== 32) bad(`${at}.key`, 'a 32-byte Ed25519 public key');
  try {
    checkEnrollableKey(x.key, `${at}.key`);
  } catch (e) {
    bad(`${at}.key`, `an enrollable Ed25519 key (${(e as Error).message})`);
  }
  if (!isPeerId(x.peer)) bad(`${at}.peer`, 'an Ed25519 libp2p peer id (12D3KooW…)');
  if (!Array.isArray(x.addrs) || x.addrs.length > MAX_ADDRS) bad(`${at}.addrs`, `an array of at most ${MAX_ADDRS} multiaddrs`);
  x.addrs.forEach((a, j) => {
    if (typeof a !== 'string' || !a.startsWith('/') || a.length > MAX_ADDR) bad(`${at}.addrs[${j}]`, 'a multiaddr string starting with "/"');
  });
  if (!Array.isArray(x.roles) || x.roles.length === 0) bad(`${at}.roles`, 'a non-empty array of roles');
  x.roles.forEach((r, j) => {
    if (!MEMBER_ROLES.includes(r as MemberRole)) bad(`${at}.roles[${j}]`, '"author" or "witness"');
    if (j > 0 && !((x.roles as string[])[j - 1]! < (r as string))) bad(`${at}.roles`, 'sorted, unique roles');
  });
  return { id: x.id, name: x.name, region: x.region, key: x.key, peer: x.peer, addrs: x.addrs as string[], roles: x.roles as MemberRole[] };
}

/** Whether n is a valid calendar date written YYYYMMDD (proleptic Gregorian, years 1900..9999). */
export function isDateNumber(n: unknown): n is number {
  if (!isUint(n) || n < 19000101 || n > 99991231) return false;
  const y = Math.floor(n / 10000),
    m = Math.floor(n / 100) % 100,
    d = n % 100;
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const MAX_CALENDAR_DATES = 3660;

function checkCalendar(x: unknown): Calendar {
  if (!isMap(x)) bad('calendar', 'a map {off, on}');
  checkKeys(x, ['off', 'on'], 'calendar');
  const list = (k: 'off' | 'on'): number[] => {
    const v = x[k];
    if (!Array.isArray(v)) bad(`calendar.${k}`, 'an array of dates YYYYMMDD (possibly empty)');
    if (v.length > MAX_CALENDAR_DATES) bad(`calendar.${k}`, `at most ${MAX_CALENDAR_DATES} dates`);
    v.forEach((d, i) => {
      if (!isDateNumber(d)) bad(`calendar.${k}[${i}]`, 'a valid date written YYYYMMDD');
      if (i > 0 && !((v[i - 1] as number) < d)) bad(`calendar.${k}`, 'sorted, unique dates');
    });
    return v as number[];
  };
  const off = list('off');
  const on = list('on');
  const offSet = new Set(off);
  const both = on.find((d) => offSet.has(d));
  if (both !== undefined) bad('calendar', `no date in both off and on (${both})`);
  return { off, on };
}

/** Validate a decoded config value; every error names the field. */
export function checkConfig(x: CborValue): Config {
  if (!isMap(x)) bad('', 'a map');
  checkKeys(x, ['v', 'consortium', 'epoch', 'prev', 'members', 'quorum', 'calendar'], '');
  if (x.v !== 1) bad('v', '1');
  if (!isConsortiumName(x.consortium)) bad('consortium', 'a consortium name matching ^[a-z0-9][a-z0-9.-]{1,62}$');
  if (!isUint(x.epoch)) bad('epoch', 'an unsigned integer');
  if (x.epoch === 0) {
    if (x.prev !== undefined) bad('prev', 'absent in epoch 0');
  } else if (!(x.prev instanceof Uint8Array) || x.prev.length !== 32) bad('prev', 'the 32-byte id of the previous config');
  if (!Array.isArray(x.members) || x.members.length === 0 || x.members.length > MAX_MEMBERS) bad('members', `1 to ${MAX_MEMBERS} members`);
  const members = x.members.map(checkMember);
  for (let i = 1; i < members.length; i++) {
    if (!(members[i - 1]!.id < members[i]!.id)) bad('members', 'members sorted by id, ids unique');
  }
  const peers = new Set(members.map((m) => m.peer));
  if (peers.size !== members.length) bad('members', 'unique peer ids');
  const keys = [...members.map((m) => m.key)].sort(compareBytes);
  for (let i = 1; i < keys.length; i++) if (equalBytes(keys[i - 1]!, keys[i]!)) bad('members', 'unique ledger keys');
  const q = x.quorum;
  if (!isMap(q)) bad('quorum', 'a map {witness, governance}');
  checkKeys(q, ['witness', 'governance'], 'quorum');
  const witnesses = members.filter((m) => m.roles.includes('witness')).length;
  if (witnesses === 0) bad('members', 'at least one witness');
  if (!isUint(q.witness) || q.witness < 1 || q.witness > witnesses) bad('quorum.witness', `an integer from 1 to ${witnesses} (the number of witnesses)`);
  if (!isUint(q.governance) || q.governance < 1 || q.governance > members.length) bad('quorum.governance', `an integer from 1 to ${members.length} (the number of members)`);
  const cfg: Config = { v: 1, consortium: x.consortium, epoch: x.epoch, members, quorum: { witness: q.witness, governance: q.governance } };
  if (x.prev !== undefined) cfg.prev = x.prev as Uint8Array;
  if (x.calendar !== undefined) cfg.calendar = checkCalendar(x.calendar);
  return cfg;
}

function toCbor(cfg: Config): CborValue {
  return {
    v: cfg.v,
    consortium: cfg.consortium,
    epoch: cfg.epoch,
    prev: cfg.prev,
    members: cfg.members.map((m) => ({ id: m.id, name: m.name, region: m.region, key: m.key, peer: m.peer, addrs: m.addrs, roles: m.roles })),
    quorum: { witness: cfg.quorum.witness, governance: cfg.quorum.governance },
    // absent when unset, so configs without a calendar encode as before
    calendar: cfg.calendar ? { off: cfg.calendar.off, on: cfg.calendar.on } : undefined,
  };
}

/** Canonical bytes of a config, after validating it. */
export function encodeConfig(cfg: Config): Uint8Array {
  const bytes = encodeCanonical(toCbor(cfg));
  if (bytes.length > MAX_CONFIG_BYTES) fail('LIMIT_EXCEEDED', `config is ${bytes.length} bytes, limit ${MAX_CONFIG_BYTES}`);
  checkConfig(decodeCanonical(bytes));
  return bytes;
}

export function decodeConfig(bytes: Uint8Array): Config {
  if (bytes.length > MAX_CONFIG_BYTES) fail('LIMIT_EXCEEDED', `config is ${bytes.length} bytes, limit ${MAX_CONFIG_BYTES}`);
  let v: CborValue;
  try {
    v = decodeCanonical(bytes, MAX_CONFIG_BYTES);
  } catch (e) {
    throw new ProtocolError('CONFIG_INVALID', `config is not canonical CBOR: ${(e as Error).message}`);
  }
  return checkConfig(v);
}

/** config id = SHA-256(config bytes); the id of epoch 0 is the network id. */
export function configId(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

export interface ConfigInput {
  consortium: string;
  epoch: number;
  prev?: Uint8Array;
  members: Member[];
  quorum?: Partial<Quorum>;
  calendar?: Calendar;
}

/** Build a config: members sorted by id, roles sorted, default quorums filled in. */
export function buildConfig(input: ConfigInput): Config {
  const members = [...input.members].map((m) => ({ ...m, addrs: [...m.addrs], roles: [...new Set(m.roles)].sort() as MemberRole[] })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const witnesses = members.filter((m) => m.roles.includes('witness')).length;
  const cfg: Config = {
    v: 1,
    consortium: input.consortium,
    epoch: input.epoch,
    members,
    quorum: {
      witness: input.quorum?.witness ?? defaultQuorum(witnesses),
      governance: input.quorum?.governance ?? defaultQuorum(witnesses),
    },
  };
  if (input.prev) cfg.prev = input.prev;
  if (input.calendar) cfg.calendar = { off: [...input.calendar.off], on: [...input.calendar.on] };
  checkConfig(decodeCanonical(encodeCanonical(toCbor(cfg))));
  return cfg;
}

export function memberOf(cfg: Config, id: string): Member | undefined {
  return cfg.members.find((m) => m.id === id);
}

export function witnessesOf(cfg: Config): Member[] {
  return cfg.members.filter((m) => m.roles.includes('witness'));
}

export function hasRole(cfg: Config, id: string, role: MemberRole): boolean {
  return memberOf(cfg, id)?.roles.includes(role) ?? false;
}
