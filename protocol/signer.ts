import { fail } from './errors.js';
import { publicKeyOf, sign } from './crypto.js';

/** Signature algorithms, by name. Ed25519 is the only one the formats define today (§2). */
export type SignatureAlg = 'ed25519';

/**
 * A key that signs: a seed held in memory, or a key held elsewhere (an HSM
 * through a synchronous PKCS#11 binding, another algorithm such as SM2). Every
 * signature a node makes with its member key goes through one.
 */
export interface Signer {
  readonly alg: SignatureAlg;
  readonly publicKey: Uint8Array;
  sign(msg: Uint8Array): Uint8Array;
}

/** An Ed25519 signer over a 32-byte seed in memory (through the active crypto backend). */
export function seedSigner(seed: Uint8Array): Signer {
  let pub: Uint8Array | undefined;
  return {
    alg: 'ed25519',
    // Derived on first use: sealing a record with a seed does not need it.
    get publicKey() {
      return (pub ??= publicKeyOf(seed));
    },
    sign: (msg) => sign(seed, msg),
  };
}

/** A signing key as callers pass it: a Signer, or an Ed25519 seed. */
export type SigningKey = Signer | Uint8Array;

export function asSigner(key: SigningKey): Signer {
  return key instanceof Uint8Array ? seedSigner(key) : key;
}

/** A signer of `alg`, or a typed error naming what the format needs. */
export function requireAlg(signer: Signer, alg: SignatureAlg, what: string): Signer {
  if (signer.alg !== alg) fail('KEY_INVALID', `${what} needs an ${alg} key, not ${signer.alg}`);
  return signer;
}
