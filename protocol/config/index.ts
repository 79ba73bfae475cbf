export * from './config.js';
export * from './governance.js';
export * from './join.js';
export * from './policy.js';
