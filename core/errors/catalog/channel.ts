import type { LayerCatalog } from '../types.js';

/** Errors raised by the channel: agent connections and routing. */
export const channelErrors = {
} as const satisfies LayerCatalog<'CHANNEL'>;
