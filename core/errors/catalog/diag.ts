import type { LayerCatalog } from '../types.js';

/** Errors raised by diagnostics: verdicts about hosts. */
export const diagErrors = {
} as const satisfies LayerCatalog<'DIAG'>;
