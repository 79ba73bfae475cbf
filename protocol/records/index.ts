export * from './kinds.js';
export * from './record.js';
export * from './request.js';
export * from './rules.js';
export * from './fork.js';
