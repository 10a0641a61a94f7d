import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { proxyParts } from '../server-parts.js';
import { installShutdown } from '../shutdown.js';
import { startServer } from './server.js';

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run the proxy alone: tasks API, ConfigService, run lifecycle (channels run as `starling channel`)',
  usage: `starling proxy [--port N] [--host ADDR] [--config FILE]

The production form of the proxy: the HTTP API and the run lifecycle without a channel inside.
Set DATABASE_URL (Postgres) and REDIS_URL (the transport to channels); run as many as needed.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, host: { type: 'string' }, config: { type: 'string' } },
      strict: true,
    });
    const overrides: Record<string, unknown> = {};
    if (values.port !== undefined) overrides.PORT = values.port;
    if (values.host !== undefined) overrides.HOST = values.host;
    const server = await startServer(overrides, values.config, proxyParts());
    await installShutdown(server.ctx.log, server.ctx.config.SHUTDOWN_TIMEOUT_MS, server.close);
    return 0;
  },
};
