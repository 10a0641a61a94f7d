import { channelCommand as runChannel, CHANNEL_USAGE } from '../../channel/index.js';
import { createAgentAuthenticator } from '../../proxy/index.js';
import type { Command } from '../command.js';

export const channelCommand: Command = {
  name: 'channel',
  summary: 'Run a channel for one IDC: agents\' WebSocket connections, relayed to proxies over Redis',
  usage: CHANNEL_USAGE,
  run: (argv, io) => runChannel(argv, io, { createAuthenticator: (ctx) => createAgentAuthenticator(ctx) }),
};
