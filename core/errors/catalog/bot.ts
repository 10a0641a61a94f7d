import type { LayerCatalog } from '../types.js';

/** Errors raised by the chat robot: callbacks, commands and replies. */
export const botErrors = {
} as const satisfies LayerCatalog<'BOT'>;
