import { concat, utf8 } from '../bytes.js';
import { randomBytes, sha256 } from '../crypto.js';
import { ProtocolError } from '../errors.js';

const APPLICANT_PREFIX = utf8('tongban/v1/applicant\x00');
export const APPLICANT_SALT_BYTES = 16;

/**
 * The applicant commitment of `case.open` (§C.3):
 * SHA-256("tongban/v1/applicant\x00" ‖ salt ‖ UTF-8(idType ":" idNumber)),
 * salt 16 fresh bytes printed on the receipt slip. `idNumber` must already be
 * upper-case ASCII without spaces: normalising it silently would let two
 * spellings of one number commit differently elsewhere.
 */
export function applicantCommitment(salt: Uint8Array, idType: string, idNumber: string): Uint8Array {
  if (!(salt instanceof Uint8Array) || salt.length !== APPLICANT_SALT_BYTES) throw new ProtocolError('BODY_INVALID', `applicant salt: expected ${APPLICANT_SALT_BYTES} bytes`, 'salt');
  if (typeof idType !== 'string' || !/^[0-9A-Za-z]{1,16}$/.test(idType))
    throw new ProtocolError('BODY_INVALID', 'applicant idType: expected a certificate-type code (1..16 ASCII letters or digits)', 'idType');
  if (typeof idNumber !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(idNumber) || idNumber !== idNumber.toUpperCase()) {
    throw new ProtocolError('BODY_INVALID', 'applicant idNumber: expected upper-case ASCII without spaces', 'idNumber');
  }
  return sha256(concat(APPLICANT_PREFIX, salt, utf8(`${idType}:${idNumber}`)));
}

/** A fresh commitment and the salt to print on the applicant's receipt slip. */
export function newApplicantCommitment(idType: string, idNumber: string): { salt: Uint8Array; applicant: Uint8Array } {
  const salt = randomBytes(APPLICANT_SALT_BYTES);
  return { salt, applicant: applicantCommitment(salt, idType, idNumber) };
}
