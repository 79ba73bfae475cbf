import { equalBytes } from '../bytes.js';
import { keyId, KEY_TYPE_ED25519 } from '../keys.js';
import { verifyNoteSignature, type Note, type Signature } from './note.js';

/**
 * The signature line of `name` in `note` that verifies (type 0x01) under one
 * of `keys` (a member's ledger keys across epochs), or undefined. `verified`
 * answers for lines already found valid as that key's note signature, which
 * are then not checked again.
 */
export function signatureBy(note: Note, name: string, keys: Uint8Array[], verified?: (line: Signature, pub: Uint8Array) => boolean): Signature | undefined {
  for (const pub of keys) {
    const kid = keyId(name, KEY_TYPE_ED25519, pub);
    const s = note.sigs.find((x) => x.name === name && equalBytes(x.keyId, kid) && (verified?.(x, pub) || verifyNoteSignature(note.text, x, { name, pub })));
    if (s) return s;
  }
  return undefined;
}
