import { serverSettings } from './server.js';

/**
 * Every setting Starling reads, by its environment variable name. Each component's
 * settings live in their own file here, so that the whole set is validated at start and
 * documented in one place (docs/configuration.md).
 */
export const settings = {
  ...serverSettings,
};
