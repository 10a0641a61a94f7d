import type { Command } from '../command.js';
import { proxyParts } from '../server-parts.js';
import { runServerParts } from './server.js';

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run the proxy alone: tasks API, ConfigService, run lifecycle (channels run as `starling channel`)',
  usage: `starling proxy [--port N] [--host ADDR] [--config FILE] [--no-workers]

The production form of the proxy: the HTTP API and the run lifecycle without a channel inside.
Set DATABASE_URL (Postgres) and REDIS_URL (the transport to channels); run as many as needed.
--no-workers (JOBS_WORKERS=false) only queues jobs and leaves them to \`starling worker\`.`,
  run: (argv) => runServerParts(argv, proxyParts()),
};
