import { serverSettings } from './server.js';
import { botSettings } from './bot.js';
import { diagnosticsSettings } from './diagnostics.js';
import { cmdbSettings } from './cmdb.js';
import { proxySettings } from './proxy.js';
import { agentSettings } from './agent.js';
import { channelSettings } from './channel.js';

/**
 * Every setting Starling reads, by its environment variable name. Each component's
 * settings live in their own file here, so that the whole set is validated at start and
 * documented in one place (docs/configuration.md).
 */
export const settings = {
  ...serverSettings,
  ...botSettings,
  ...diagnosticsSettings,
  ...cmdbSettings,
  ...proxySettings,
  ...agentSettings,
  ...channelSettings,
};
