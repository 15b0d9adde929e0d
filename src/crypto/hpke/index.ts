export * from './content.js';
export * from './symmetric.js';
export * from './wrap.js';
