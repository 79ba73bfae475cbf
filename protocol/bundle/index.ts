export * from './bundle.js';
export * from './select.js';
export * from './verify.js';
