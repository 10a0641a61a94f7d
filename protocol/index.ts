/**
 * The protocol floor: every message between proxy, channel and agent, defined once (zod
 * schema, inferred type, `type` tag, protocol version), how frames are parsed under a size
 * limit, and how runs are signed and verified. Imports only `core/` and node built-ins, so
 * the agent may import it.
 */
export * from './version.js';
export * from './common.js';
export * from './register.js';
export * from './agent-frames.js';
export * from './transport-messages.js';
export * from './frame.js';
export * from './signing.js';
export { merkleRoot, merkleTree, runLeaf } from './merkle.js';
