import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig, StarlingError } from '../core/index.js';
import { createContext, type Context } from '../runtime/index.js';
import type { AgentAuthenticator } from './agent-authenticator.js';
import { startChannel } from './channel-server.js';
import { createRedisTransport } from './transport/index.js';

/** Where a command writes. */
export interface ChannelCommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** What the composition root supplies: the proxy's credential check, built from the context. */
export interface ChannelCommandDeps {
  createAuthenticator(ctx: Context): AgentAuthenticator | Promise<AgentAuthenticator>;
}

/** Usage of `starling channel`. */
export const CHANNEL_USAGE = `usage: starling channel --idc NAME [--id ID] [--port N] [--host ADDR] [--url ws://PUBLIC/]

Holds agents' WebSocket connections for one IDC and relays runs between them and the proxy
over Redis Streams (REDIS_URL is required; without Redis the channel runs inside
\`starling server\`). Credentials are checked against the proxy's database (DATABASE_URL).
Settings: CHANNEL_ID, CHANNEL_IDC, CHANNEL_PORT, CHANNEL_HOST, CHANNEL_PUBLIC_URL,
CHANNEL_CAPACITY, CHANNEL_MAX_FRAME_BYTES, AGENT_HEARTBEAT_MS, TRANSPORT_PREFIX.`;

/**
 * `starling channel --idc NAME`: run a channel until SIGINT/SIGTERM. Resolves to the exit
 * code. The CLI passes `deps.createAuthenticator` (the proxy's credential check).
 */
export async function channelCommand(
  argv: string[], io: ChannelCommandIo, deps: ChannelCommandDeps, signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      idc: { type: 'string' }, id: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, url: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${CHANNEL_USAGE}\n`);
    return 0;
  }
  const config = loadConfig({
    overrides: {
      ...(values.idc && { CHANNEL_IDC: values.idc }),
      ...(values.id && { CHANNEL_ID: values.id }),
      ...(values.port && { CHANNEL_PORT: values.port }),
      ...(values.host && { CHANNEL_HOST: values.host }),
      ...(values.url && { CHANNEL_PUBLIC_URL: values.url }),
    },
  });
  if (!config.REDIS_URL) {
    throw new StarlingError('PROXY-USR-CONFIG_INVALID', {
      setting: 'REDIS_URL', value: '(unset)', allowed: 'a standalone channel needs Redis; without it run `starling server`, which holds its own channel',
    });
  }
  const ctx = await createContext(config, { migrate: false });
  try {
    const authenticator = await deps.createAuthenticator(ctx);
    const channelId = config.CHANNEL_ID ?? `${config.CHANNEL_IDC}-${hostname()}-${config.CHANNEL_PORT}`;
    const transport = createRedisTransport({ redis: ctx.redis!, prefix: config.TRANSPORT_PREFIX, consumerName: channelId, log: ctx.log });
    const channel = await startChannel({
      channelId, idc: config.CHANNEL_IDC, transport, authenticator, port: config.CHANNEL_PORT, host: config.CHANNEL_HOST,
      ...(config.CHANNEL_PUBLIC_URL && { publicUrl: config.CHANNEL_PUBLIC_URL }),
      capacity: config.CHANNEL_CAPACITY, heartbeatMs: config.AGENT_HEARTBEAT_MS, maxFrameBytes: config.CHANNEL_MAX_FRAME_BYTES,
      metrics: ctx.metrics, log: ctx.log,
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        ctx.log.info({ signal }, 'channel stopping');
        signals.off('SIGINT', stop);
        signals.off('SIGTERM', stop);
        resolve();
      };
      signals.on('SIGINT', stop);
      signals.on('SIGTERM', stop);
    });
    await channel.close();
    await transport.close();
    return 0;
  } finally {
    await ctx.close();
  }
}
