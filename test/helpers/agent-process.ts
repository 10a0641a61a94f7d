/**
 * A real agent in its own process for multi-agent tests on one machine: the same
 * `startAgent` as `starling agent`, but with the host facts given in TEST_AGENT_FACTS (JSON),
 * since three agents on one machine would otherwise all report the same host. Logs JSON to
 * stdout; stops on SIGTERM/SIGINT; SIGKILL it to simulate a crash.
 *
 *   node --import tsx test/helpers/agent-process.ts --server URL --state-dir DIR
 */
import { parseArgs } from 'node:util';
import { startAgent } from '../../agent/index.js';
import { createLogger } from '../../core/index.js';
import type { AgentFacts } from '../../protocol/index.js';

const { values } = parseArgs({ options: { server: { type: 'string' }, 'state-dir': { type: 'string' } } });
const facts = JSON.parse(process.env.TEST_AGENT_FACTS ?? 'null') as AgentFacts;
const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'starling-agent' });
const agent = await startAgent({
  server: values.server!, stateDir: values['state-dir']!, enrolmentToken: process.env.AGENT_ENROLMENT_TOKEN!, facts: () => facts,
  backoff: { baseMs: 100, maxMs: 1000 }, resultResendMs: 1000, log,
});
log.info({ pid: process.pid }, 'agent started');
const stop = () => {
  void agent.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
