import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The HTTP API's certificate and key files (PEM); the certificate file may hold the chain after the leaf. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  notAfter: Date;
  subject: string;
  fingerprint256: string;
}

export type TlsErrorCode = 'TLS_FILE_UNREADABLE' | 'TLS_CERT_INVALID' | 'TLS_KEY_INVALID' | 'TLS_KEY_MISMATCH';

export class TlsError extends Error {
  constructor(
    readonly code: TlsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TlsError';
  }
}

const DAY_MS = 86_400_000;

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TlsError('TLS_FILE_UNREADABLE', `TLS ${what} file ${file} cannot be read: ${(e as Error).message}`);
  }
}

/** Read and check a certificate and its key: both parse, and the key is the certificate's. */
export function loadTls(files: TlsFiles): TlsMaterial {
  const cert = read(files.certFile, 'certificate');
  const key = read(files.keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new TlsError('TLS_CERT_INVALID', `TLS certificate file ${files.certFile} is not a PEM certificate: ${(e as Error).message}`);
  }
  let pk;
  try {
    pk = createPrivateKey(key);
  } catch (e) {
    throw new TlsError('TLS_KEY_INVALID', `TLS key file ${files.keyFile} is not an unencrypted PEM private key: ${(e as Error).message}`);
  }
  if (!x509.checkPrivateKey(pk)) throw new TlsError('TLS_KEY_MISMATCH', `TLS key file ${files.keyFile} is not the key of the certificate in ${files.certFile}`);
  return { cert, key, notAfter: new Date(x509.validTo), subject: x509.subject, fingerprint256: x509.fingerprint256 };
}

/** Whole days until `notAfter` (negative once expired). */
export const daysLeft = (notAfter: Date, now: number): number => Math.floor((notAfter.getTime() - now) / DAY_MS);

/** The warning to log for a certificate expiring within `warnDays`, or undefined. */
export function expiryWarning(m: Pick<TlsMaterial, 'notAfter'>, certFile: string, warnDays: number, now: number): string | undefined {
  const days = daysLeft(m.notAfter, now);
  if (m.notAfter.getTime() <= now) return `the HTTP API certificate ${certFile} expired on ${m.notAfter.toISOString()}: install a new one and send SIGHUP`;
  if (days < warnDays) return `the HTTP API certificate ${certFile} expires in ${days} days (${m.notAfter.toISOString()}): install a new one and send SIGHUP`;
  return undefined;
}
