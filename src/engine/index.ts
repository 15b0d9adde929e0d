/** The compliance engine: a pure, deterministic fold of every log's entries into state and findings. */
export { OpenedEntries } from './confidential.js';
export * from './engine.js';
export * from './findings.js';
export * from './incidents.js';
export * from './order.js';
export { endOfDay, iso, startOfDay } from './time.js';
export * from './types.js';
export * from './zones.js';
