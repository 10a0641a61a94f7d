/** The runtime floor: the Context handed to every component, and how it is built. */
export * from './context.js';
