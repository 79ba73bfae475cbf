export * from './note.js';
export * from './checkpoint.js';
export * from './cosignature.js';
export * from './tlog-proof.js';
export * from './policy.js';
export { isNoteKeyName } from './text.js';
export * from './signer.js';
