/** The error floor: the catalogue, the typed error and RFC 9457 problem documents. */
export * from './types.js';
export * from './catalog/index.js';
export * from './starling-error.js';
export * from './problem.js';
export * from './docs.js';
