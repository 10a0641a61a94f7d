/**
 * The core floor: errors, configuration, logging, time and loop helpers. It imports no
 * other Starling folder, so every component (the agent included) may import it.
 */
export * from './errors/index.js';
export * from './config/index.js';
export * from './logger.js';
export * from './clock.js';
export * from './backoff.js';
export * from './time-slice.js';
