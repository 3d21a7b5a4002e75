export * from './events.js';
export * from './problem.js';
export * from './users.js';
