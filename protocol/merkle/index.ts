export * from './hash.js';
export * from './memory.js';
export * from './tlog.js';
export * from './verify.js';
