/**
 * tongban/client: the browser-safe SDK of a Tongban node (no Node built-ins).
 * Build a record request, sign it with an actor key you hold (or have the
 * node prepare the bytes and check them), submit with retries, wait until
 * final, read records, documents, cases and bundles, verify bundles offline.
 */
export { build, builders, type BodyOf, type RecordRequest } from './builders.js';
export { ClientError, isClientError, type ClientErrorCode } from './errors.js';
export { Http, HTTP_DEFAULTS, RETRY_LATER_CODES, type HttpOptions, type RetryClass } from './http.js';
export { checkPrepared, signRecordRequest, signRequestBytes, type Actor, type ActorSigner, type PreparedAnswer, type PrepareExpectation, type SignedSubmission } from './sign.js';
export { TongbanClient, verifyCaseBundleOffline, verifyDocBundle, type ClientOptions, type WaitOptions } from './client.js';
export * from './types.js';
export { seedSigner, type Signer } from '../protocol/signer.js';
export { BYTE_FIELDS, bodyFromJson, cborToJson } from '../protocol/records/json.js';
export { KINDS, type Kind } from '../protocol/records/kinds.js';
export type { Report } from '../protocol/bundle/verify.js';
export type { CaseBundleReport } from '../protocol/bundle/case.js';
export type { CaseReport } from '../protocol/cases/report.js';
export { fromHex, toHex, toBase64, fromBase64 } from '../protocol/bytes.js';
export { sha256 } from '../protocol/crypto.js';
