import type { CryptoBackend } from '../protocol/crypto.js';

/**
 * The backend with each distinct Ed25519 check made once: a repeat of the same key, message and signature gets the
 * verdict of the first. A bundle holds one checkpoint and its cosignatures for all its entries and verifyBundle
 * checks them with each entry, so in the bench's 10-entry bundle 18 of 39 checks are repeats; in a one-shot CLI each
 * costs about 1.4 M instructions of OpenSSL (a third of the verification). Keyed by every byte verified (lengths
 * first), so a remembered verdict is the verdict of this very check. For one command's process, not a long-lived one.
 */
export function verifyOnce(backend: CryptoBackend): CryptoBackend {
  const verdicts = new Map<string, boolean>();
  return {
    ...backend,
    verify(pub, msg, sig) {
      const key = `${pub.length},${sig.length},${Buffer.concat([pub, sig, msg]).toString('latin1')}`;
      let verdict = verdicts.get(key);
      if (verdict === undefined) {
        verdict = backend.verify(pub, msg, sig);
        verdicts.set(key, verdict);
      }
      return verdict;
    },
  };
}
