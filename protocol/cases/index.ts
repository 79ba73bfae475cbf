export * from './schema.js';
export * from './applicant.js';
export * from './calendar.js';
export * from './rules.js';
export * from './check.js';
export * from './deadline.js';
export * from './report.js';
