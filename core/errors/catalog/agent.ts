import type { LayerCatalog } from '../types.js';

/** Errors raised by the agent: registration, run execution and its host. */
export const agentErrors = {
} as const satisfies LayerCatalog<'AGENT'>;
