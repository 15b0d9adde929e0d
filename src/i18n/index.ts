/**
 * The message catalogue: what the engine says (codes and parameters, src/engine/messages.ts) in English and Russian,
 * with the rule titles. Pure data and one render function, shared by the command line and the dashboard.
 */
export { en } from './en.js';
export * from './param-names.js';
export * from './render.js';
export { ru } from './ru.js';
export * from './types.js';
