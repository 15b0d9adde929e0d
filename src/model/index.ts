/** The vocabulary of Détente: the regime, every entry type, and the signed envelope. Imports only src/crypto. */
export * from './common.js';
export * from './confidential.js';
export * from './entries/index.js';
export { vocabularyProblems } from './entries/vocabulary.js';
export * from './envelope.js';
export * from './regime/index.js';
export * from './sealed-plaintext.js';
