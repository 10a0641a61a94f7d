import type { LayerCatalog } from '../types.js';

/** Errors raised by CMDB import and reconciliation. */
export const cmdbErrors = {
} as const satisfies LayerCatalog<'CMDB'>;
