import { equalBytes, fromUtf8 } from '../bytes.js';
import { verify } from '../crypto.js';
import { fail } from '../errors.js';
import { originOf } from '../names.js';
import { parseCheckpoint } from '../note/checkpoint.js';
import { parseNote } from '../note/note.js';
import { signatureBy } from '../note/signer.js';
import { decodeEnvelope, recordSigMessage } from './record.js';

/**
 * Check an `evidence.fork` pair (§5.2, §6): two envelopes signed by `author`
 * for one seq with different ids, or two checkpoints signed by `author` for
 * one size with different roots. `keys` are the author's ledger keys in any
 * epoch. Returns what kind of fork it is, or throws EVIDENCE_INVALID.
 */
export function checkForkEvidence(consortium: string, author: string, keys: Uint8Array[], a: Uint8Array, b: Uint8Array): 'records' | 'checkpoints' {
  let envs;
  try {
    envs = [decodeEnvelope(a), decodeEnvelope(b)] as const;
  } catch {
    envs = undefined;
  }
  if (envs) {
    const [x, y] = envs;
    if (x.record.author !== author || y.record.author !== author) fail('EVIDENCE_INVALID', 'evidence records are not by the accused author');
    if (x.record.seq !== y.record.seq) fail('EVIDENCE_INVALID', 'evidence records have different seqs');
    if (equalBytes(x.id, y.id)) fail('EVIDENCE_INVALID', 'evidence records are the same record');
    const signed = (e: typeof x) => keys.some((k) => verify(k, recordSigMessage(e.id), e.sig));
    if (!signed(x) || !signed(y)) fail('EVIDENCE_INVALID', 'an evidence record is not signed by the author');
    return 'records';
  }
  const origin = originOf(consortium, author);
  const notes = [a, b].map((bytes) => {
    const note = parseNote(fromUtf8(bytes));
    const cp = parseCheckpoint(note.text);
    if (cp.origin !== origin) fail('EVIDENCE_INVALID', `evidence checkpoint is for ${cp.origin}, not ${origin}`);
    if (!signatureBy(note, origin, keys)) fail('EVIDENCE_INVALID', 'an evidence checkpoint is not signed by the author');
    return cp;
  });
  if (notes[0]!.size !== notes[1]!.size || equalBytes(notes[0]!.root, notes[1]!.root)) fail('EVIDENCE_INVALID', 'evidence checkpoints do not conflict');
  return 'checkpoints';
}
