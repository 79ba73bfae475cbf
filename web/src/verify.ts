import { fromHex32, toHex } from '../../protocol/bytes.js';
import { decodeBundle } from '../../protocol/bundle/bundle.js';
import { verifyCaseBundle, type CaseBundleReport } from '../../protocol/bundle/case.js';
import { verifyBundle, type Report } from '../../protocol/bundle/verify.js';
import { configId, decodeConfig } from '../../protocol/config/config.js';
import { sha256 } from '../../protocol/crypto.js';

// Offline verification in the browser (the portable noble path of protocol/): the same verifiers the CLI runs, on
// files read locally. Nothing here touches the network.

export type FileKind = 'bundle' | 'genesis' | 'document';

export interface Picked {
  name: string;
  kind: FileKind;
  bytes: Uint8Array;
}

/** What a file is: a bundle if it decodes as one, a genesis if it decodes as an epoch-0 config, else a document. */
export function classify(bytes: Uint8Array): FileKind {
  try {
    decodeBundle(bytes);
    return 'bundle';
  } catch {
    // not a bundle
  }
  try {
    if (decodeConfig(bytes).epoch === 0) return 'genesis';
  } catch {
    // not a config
  }
  return 'document';
}

export type Outcome = { about: 'document'; file: string; report: Report } | { about: 'case'; file: string; report: CaseBundleReport } | { about: 'error'; file: string; message: string };

export type AnchorError = 'NO_ANCHOR' | 'BAD_NET' | 'NO_BUNDLE';

/** The trust anchor: the typed network id, else the id of the genesis file given. */
export function anchorOf(files: readonly Picked[], typed: string): Uint8Array | AnchorError {
  const t = typed.trim().toLowerCase();
  if (t !== '') return /^[0-9a-f]{64}$/.test(t) ? fromHex32(t) : 'BAD_NET';
  const g = files.find((f) => f.kind === 'genesis');
  return g ? configId(g.bytes) : 'NO_ANCHOR';
}

/**
 * Verify every bundle among the files against the anchor. A document bundle given together with documents must be
 * about one of them (as `tongban verify DOC --bundle B` insists); a case bundle is evaluated at `asOf`.
 */
export function verifyFiles(files: readonly Picked[], net: Uint8Array, asOf: number): Outcome[] {
  const docs = files.filter((f) => f.kind === 'document').map((f) => toHex(sha256(f.bytes)));
  const out: Outcome[] = [];
  for (const f of files.filter((x) => x.kind === 'bundle')) {
    let about: string | undefined;
    try {
      about = decodeBundle(f.bytes).about;
    } catch (e) {
      out.push({ about: 'error', file: f.name, message: (e as Error).message });
      continue;
    }
    if (about === 'case') {
      out.push({ about: 'case', file: f.name, report: verifyCaseBundle(f.bytes, net, asOf) });
      continue;
    }
    let report = verifyBundle(f.bytes, net);
    if (docs.length > 0 && !docs.includes(report.doc)) {
      report = {
        ...report,
        proofs: 'unsound',
        stands: false,
        problems: [...report.problems, { code: 'BUNDLE_MALFORMED', message: `bundle is about ${report.doc || 'nothing readable'}, not the document given (${docs.join(', ')})` }],
      };
    }
    out.push({ about: 'document', file: f.name, report });
  }
  return out;
}
