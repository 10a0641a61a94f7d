import { parseArgs } from 'node:util';
import { createLogger, loadConfig, StarlingError } from '../core/index.js';
import { startAgent, type AgentOptions } from './agent.js';

/** Where a command writes. */
export interface AgentCommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** Usage of `starling agent`. */
export const AGENT_USAGE = `usage: starling agent --server URL [--idc NAME] [--state-dir DIR]

Registers with the proxy at URL, keeps one connection to a channel of its IDC and runs
signed commands. The enrolment token comes from AGENT_ENROLMENT_TOKEN (never a flag).
Settings: AGENT_SERVER, AGENT_IDC, AGENT_STATE_DIR, AGENT_CONCURRENCY, AGENT_OUTPUT_CAP_BYTES,
AGENT_KILL_GRACE_MS, AGENT_HANG_GRACE_MS, AGENT_FACTS_INTERVAL_MS, LOG_LEVEL, LOG_FORMAT.`;

/**
 * `starling agent --server URL [--idc NAME] [--state-dir DIR]`: run the agent until SIGINT or
 * SIGTERM. Resolves to the exit code (0 after a clean stop, 2 on bad usage).
 */
export async function agentCommand(argv: string[], io: AgentCommandIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { server: { type: 'string' }, idc: { type: 'string' }, 'state-dir': { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${AGENT_USAGE}\n`);
    return 0;
  }
  const config = loadConfig({
    overrides: {
      ...(values.server && { AGENT_SERVER: values.server }),
      ...(values.idc && { AGENT_IDC: values.idc }),
      ...(values['state-dir'] && { AGENT_STATE_DIR: values['state-dir'] }),
    },
  });
  if (!config.AGENT_SERVER) {
    const err = new StarlingError('AGENT-USR-USAGE', { reason: '--server URL (or AGENT_SERVER) is required' });
    io.stderr.write(`starling agent: ${err.message} (${err.code})\n${AGENT_USAGE}\n`);
    return 2;
  }
  const log = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'starling-agent' });
  const options: AgentOptions = {
    server: config.AGENT_SERVER,
    idc: config.AGENT_IDC ?? null,
    ...(config.AGENT_STATE_DIR && { stateDir: config.AGENT_STATE_DIR }),
    ...(config.AGENT_ENROLMENT_TOKEN && { enrolmentToken: config.AGENT_ENROLMENT_TOKEN }),
    factsIntervalMs: config.AGENT_FACTS_INTERVAL_MS,
    executor: {
      concurrency: config.AGENT_CONCURRENCY,
      outputCapBytes: config.AGENT_OUTPUT_CAP_BYTES,
      killGraceMs: config.AGENT_KILL_GRACE_MS,
      hangGraceMs: config.AGENT_HANG_GRACE_MS,
    },
    log,
  };
  const agent = await startAgent(options);
  log.info({ server: options.server, idc: options.idc, pid: process.pid }, 'agent started');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'agent stopping');
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
  await agent.close();
  log.info('agent stopped');
  return 0;
}
