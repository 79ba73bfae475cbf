export * from './bundle.js';
export * from './select.js';
export * from './verify.js';
export * from './case.js';
