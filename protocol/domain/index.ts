export * from './view.js';
export * from './rules.js';
export * from './outcome.js';
export * from './memory-view.js';
export * from './replay.js';
