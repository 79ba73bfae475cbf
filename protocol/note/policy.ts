import { compareBytes, equalBytes, utf8 } from '../bytes.js';
import { fail, isProtocolError } from '../errors.js';
import { formatVkey, KEY_TYPE_COSIGNATURE, KEY_TYPE_ED25519, parseVkey, type Vkey } from '../keys.js';
import { isWellFormed, parseDecimal } from './text.js';

/** c2sp.org/tlog-policy, as rendered for a consortium epoch (PROTOCOL.md §4). */
export interface PolicyInput {
  /** Author logs: key name = origin, Ed25519 ledger key (vkey type 0x01). */
  logs: { name: string; pub: Uint8Array }[];
  /** Witnesses: `id` names them in the policy, `name` is their cosigner key name (vkey type 0x04). */
  witnesses: { id: string; name: string; pub: Uint8Array }[];
  threshold: number;
  /** Name of the quorum group; default "witnesses". */
  groupName?: string;
}

export interface PolicyLog {
  vkey: Vkey;
  url?: string;
}
export interface PolicyWitness {
  name: string;
  vkey: Vkey;
  url?: string;
}
export interface PolicyGroup {
  name: string;
  threshold: number;
  members: string[];
}
export interface Policy {
  logs: PolicyLog[];
  witnesses: PolicyWitness[];
  groups: PolicyGroup[];
  /** A witness or group name, or "none". */
  quorum: string;
}

const NONE = 'none';
/** Octets the spec allows: tab, newline, printable ASCII, anything non-ASCII. */
const FORBIDDEN = /[\x00-\x08\x0b-\x1f\x7f]/;

function bad(msg: string, detail?: string): never {
  return fail('POLICY_INVALID', msg, detail);
}

function vkeyOf(text: string, type: number, what: string): Vkey {
  let v: Vkey;
  try {
    v = parseVkey(text);
  } catch (e) {
    return bad(`${what}: ${isProtocolError(e) ? e.message : 'invalid vkey'}`);
  }
  if (v.type !== type) bad(`${what}: vkey must have signature type 0x0${type}`);
  return v;
}

/**
 * A name we write: one token, and no '#' because some readers (torchwood)
 * strip everything after '#' as a comment.
 */
function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || !/^[^\s#]+$/u.test(name) || FORBIDDEN.test(name) || !isWellFormed(name)) bad(`${what}: invalid name ${JSON.stringify(name)}`);
  if (name === NONE) bad(`${what}: "none" is reserved`);
}

const byName = (a: string, b: string): number => compareBytes(utf8(a), utf8(b));

function checkDistinctKeys(pubs: Uint8Array[], what: string): void {
  pubs.forEach((p, i) => {
    if (pubs.slice(0, i).some((q) => equalBytes(p, q))) bad(`two ${what} share one public key`);
  });
}

/** Render logs, then witnesses (each sorted), one threshold group, the quorum. */
export function renderPolicy(input: PolicyInput): string {
  const group = input.groupName ?? 'witnesses';
  checkName(group, 'group');
  const n = input.witnesses.length;
  if (n === 0) bad('a policy group needs at least one witness');
  if (!Number.isInteger(input.threshold) || input.threshold < 1 || input.threshold > n) bad(`threshold must be in [1, ${n}]`);
  const ids = new Set<string>();
  for (const w of input.witnesses) {
    checkName(w.id, 'witness');
    if (w.id === group || ids.has(w.id)) bad(`duplicate policy name ${JSON.stringify(w.id)}`);
    ids.add(w.id);
  }
  checkDistinctKeys(
    input.logs.map((l) => l.pub),
    'logs',
  );
  checkDistinctKeys(
    input.witnesses.map((w) => w.pub),
    'witnesses',
  );
  const vkey = (name: string, pub: Uint8Array, type: number): string => {
    try {
      return formatVkey(name, pub, type);
    } catch (e) {
      return bad(`key ${JSON.stringify(name)}: ${isProtocolError(e) ? e.message : 'invalid'}`);
    }
  };
  const logs = input.logs.map((l) => vkey(l.name, l.pub, KEY_TYPE_ED25519)).sort(byName);
  const witnesses = [...input.witnesses].sort((a, b) => byName(a.id, b.id));
  let out = '';
  for (const l of logs) out += `log ${l}\n`;
  for (const w of witnesses) out += `witness ${w.id} ${vkey(w.name, w.pub, KEY_TYPE_COSIGNATURE)}\n`;
  out += `group ${group} ${input.threshold} ${witnesses.map((w) => w.id).join(' ')}\n`;
  out += `quorum ${group}\n`;
  return out;
}

/** Parse a tlog-policy file (any valid one, not only what renderPolicy writes). */
export function parsePolicy(text: string): Policy {
  if (typeof text !== 'string') bad('policy must be a string');
  if (text.length > 1024 * 1024) bad('policy larger than 1 MiB');
  if (FORBIDDEN.test(text) || !isWellFormed(text)) bad('policy has a forbidden control character or invalid UTF-16');
  if (!text.endsWith('\n')) bad('policy lines must end with a newline');
  const policy: Policy = { logs: [], witnesses: [], groups: [], quorum: '' };
  const defined = new Set<string>();
  const used = new Set<string>();
  let hasQuorum = false;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (line === '' || line.startsWith('#')) return;
    const at = `line ${i + 1}`;
    const f = line.split(/[ \t]+/);
    const newName = (name: string): void => {
      if (name === NONE || defined.has(name)) bad(`${at}: name ${JSON.stringify(name)} is reserved or already defined`);
      defined.add(name);
    };
    switch (f[0]) {
      case 'log': {
        if (f.length < 2 || f.length > 3) bad(`${at}: expected log <vkey> [<url>]`);
        const vkey = vkeyOf(f[1]!, KEY_TYPE_ED25519, at);
        if (policy.logs.some((l) => equalBytes(l.vkey.pub, vkey.pub))) bad(`${at}: duplicate log key`);
        policy.logs.push(f[2] === undefined ? { vkey } : { vkey, url: f[2] });
        break;
      }
      case 'witness': {
        if (f.length < 3 || f.length > 4) bad(`${at}: expected witness <name> <vkey> [<url>]`);
        newName(f[1]!);
        const vkey = vkeyOf(f[2]!, KEY_TYPE_COSIGNATURE, at);
        if (policy.witnesses.some((w) => equalBytes(w.vkey.pub, vkey.pub))) bad(`${at}: duplicate witness key`);
        policy.witnesses.push(f[3] === undefined ? { name: f[1]!, vkey } : { name: f[1]!, vkey, url: f[3] });
        break;
      }
      case 'group': {
        if (f.length < 4) bad(`${at}: expected group <name> <k|any|all> <name>...`);
        const members = f.slice(3);
        for (const m of members) {
          if (!defined.has(m)) bad(`${at}: ${JSON.stringify(m)} is not defined on an earlier line`);
          if (used.has(m)) bad(`${at}: ${JSON.stringify(m)} is already a group member`);
          used.add(m);
        }
        const k = f[2] === 'any' ? 1 : f[2] === 'all' ? members.length : parseDecimal(f[2]!);
        if (k === undefined || k < 1 || k > members.length) bad(`${at}: threshold must be any, all or 1..${members.length}`);
        newName(f[1]!);
        policy.groups.push({ name: f[1]!, threshold: k, members });
        break;
      }
      case 'quorum': {
        if (f.length !== 2) bad(`${at}: expected quorum <name>`);
        if (hasQuorum) bad(`${at}: second quorum line`);
        if (f[1] !== NONE && !defined.has(f[1]!)) bad(`${at}: quorum ${JSON.stringify(f[1])} is not defined on an earlier line`);
        policy.quorum = f[1]!;
        hasQuorum = true;
        break;
      }
      default:
        bad(`${at}: unknown keyword ${JSON.stringify(f[0])}`);
    }
  });
  if (!hasQuorum) bad('policy has no quorum line');
  return policy;
}

/** Whether the witnesses named in `cosigned` (policy names, signatures already verified) meet the quorum. */
export function quorumSatisfied(policy: Policy, cosigned: ReadonlySet<string>): boolean {
  const groups = new Map(policy.groups.map((g) => [g.name, g]));
  const met = (name: string): boolean => {
    const g = groups.get(name);
    if (!g) return cosigned.has(name) && policy.witnesses.some((w) => w.name === name);
    return g.members.filter(met).length >= g.threshold;
  };
  return policy.quorum === NONE || met(policy.quorum);
}
