export * from './events.js';
export * from './inventory.js';
export * from './problem.js';
export * from './users.js';
