import { decodeCanonical, encodeCanonical, isMap, type CborValue } from '../cbor.js';
import { ProtocolError, fail } from '../errors.js';
import type { SignedConfig } from '../config/governance.js';

/** §9: a bundle is at most 16 MiB. */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

export interface BundleEntry {
  /** The record envelope, verbatim. */
  envelope: Uint8Array;
  /** A C2SP tlog-proof of the record in its author's log. */
  proof: string;
}

/** §8: everything the ledger says about one document (or, with `about: "case"`, one case: CASES.md §C.6), provable offline. */
export interface Bundle {
  v: 1;
  net: Uint8Array;
  /** Absent for a document bundle. */
  about?: 'case';
  /** The document hash, or the case id. */
  subject: Uint8Array;
  configs: SignedConfig[];
  entries: BundleEntry[];
}

export function encodeBundle(b: Bundle): Uint8Array {
  const bytes = encodeCanonical({
    v: 1,
    net: b.net,
    // absent for a document bundle, so those encode as before
    about: b.about,
    subject: b.subject,
    configs: b.configs.map((c) => ({ config: c.bytes, approvals: c.approvals.map((a) => ({ member: a.member, sig: a.sig })) })),
    entries: b.entries.map((e) => ({ envelope: e.envelope, proof: e.proof })),
  });
  if (bytes.length > MAX_BUNDLE_BYTES) fail('LIMIT_EXCEEDED', `bundle is ${bytes.length} bytes, limit ${MAX_BUNDLE_BYTES}`);
  return bytes;
}

function bad(field: string, expected: string): never {
  throw new ProtocolError('BUNDLE_INVALID', `bundle ${field}: expected ${expected}`, field);
}

function only(m: Record<string, unknown>, keys: string[], at: string): void {
  for (const k of Object.keys(m)) if (!keys.includes(k)) bad(`${at}${at ? '.' : ''}${k}`, 'no such field');
}

/** Strict decode: canonical CBOR, exactly the §8 shape, size limit first. */
export function decodeBundle(bytes: Uint8Array): Bundle {
  if (!(bytes instanceof Uint8Array)) bad('', 'bytes');
  if (bytes.length > MAX_BUNDLE_BYTES) fail('LIMIT_EXCEEDED', `bundle is ${bytes.length} bytes, limit ${MAX_BUNDLE_BYTES}`);
  let x: CborValue;
  try {
    x = decodeCanonical(bytes, MAX_BUNDLE_BYTES);
  } catch (e) {
    throw new ProtocolError('BUNDLE_INVALID', `bundle is not canonical CBOR: ${(e as Error).message}`);
  }
  if (!isMap(x)) bad('', 'a map');
  only(x, ['v', 'net', 'about', 'subject', 'configs', 'entries'], '');
  if (x.v !== 1) bad('v', '1');
  if (x.about !== undefined && x.about !== 'case') bad('about', '"case" or absent');
  if (!(x.net instanceof Uint8Array) || x.net.length !== 32) bad('net', '32 bytes');
  if (!(x.subject instanceof Uint8Array) || x.subject.length !== 32) bad('subject', x.about === 'case' ? 'the 32-byte case id' : 'the 32-byte document hash');
  if (!Array.isArray(x.configs) || x.configs.length === 0) bad('configs', 'a non-empty array');
  const configs: SignedConfig[] = x.configs.map((c, i) => {
    if (!isMap(c)) bad(`configs[${i}]`, 'a map');
    only(c, ['config', 'approvals'], `configs[${i}]`);
    if (!(c.config instanceof Uint8Array)) bad(`configs[${i}].config`, 'config bytes');
    if (!Array.isArray(c.approvals)) bad(`configs[${i}].approvals`, 'an array');
    const approvals = c.approvals.map((a, j) => {
      if (!isMap(a)) bad(`configs[${i}].approvals[${j}]`, 'a map');
      only(a, ['member', 'sig'], `configs[${i}].approvals[${j}]`);
      if (typeof a.member !== 'string') bad(`configs[${i}].approvals[${j}].member`, 'a member id');
      if (!(a.sig instanceof Uint8Array) || a.sig.length !== 64) bad(`configs[${i}].approvals[${j}].sig`, '64 bytes');
      return { member: a.member, sig: a.sig };
    });
    return { bytes: c.config, approvals };
  });
  if (!Array.isArray(x.entries)) bad('entries', 'an array');
  const entries: BundleEntry[] = x.entries.map((e, i) => {
    if (!isMap(e)) bad(`entries[${i}]`, 'a map');
    only(e, ['envelope', 'proof'], `entries[${i}]`);
    if (!(e.envelope instanceof Uint8Array)) bad(`entries[${i}].envelope`, 'envelope bytes');
    if (typeof e.proof !== 'string') bad(`entries[${i}].proof`, 'a tlog-proof text');
    return { envelope: e.envelope, proof: e.proof };
  });
  const b: Bundle = { v: 1, net: x.net, subject: x.subject, configs, entries };
  if (x.about === 'case') b.about = 'case';
  return b;
}
