export * from './events.js';
export * from './inventory.js';
export * from './orders.js';
export * from './payments.js';
export * from './problem.js';
export * from './queue.js';
export * from './tickets.js';
export * from './users.js';
