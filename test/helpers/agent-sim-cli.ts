/**
 * The agent simulator as its own process, for benchmarks: holds N agents over real WebSocket
 * connections to one channel and answers runs at once (no processes spawned). Frames are
 * JSON-parsed but not schema-validated, and not kept (`strict: false`): these agents stand for
 * 10,000 hosts whose validation work is not this machine's.
 *
 *   tsx test/helpers/agent-sim-cli.ts --url ws://127.0.0.1:PORT/ --count 10000 [--first 0] [--prefix sim] [--credential C]
 *
 * Agents are `{prefix}-{i}`, i from `--first` (default 0), with credential `--credential`
 * (default `sim-credential`). Prints
 * one JSON line `{"event":"ready","welcomed":N,"ms":…}` once connected, then
 * `{"event":"answered","count":…}` every second while answering; exits on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startAgentSim } from './agent-sim.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, count: { type: 'string', default: '1000' }, first: { type: 'string', default: '0' }, prefix: { type: 'string', default: 'sim' },
    credential: { type: 'string', default: 'sim-credential' }, concurrency: { type: 'string', default: '500' },
  },
});
if (!values.url) throw new Error('--url is required');
const count = Number(values.count);
const t0 = Date.now();
const sim = await startAgentSim({
  url: values.url,
  agents: Array.from({ length: count }, (_, i) => ({ agentId: `${values.prefix}-${Number(values.first) + i}`, credential: values.credential! })),
  connectConcurrency: Number(values.concurrency),
  strict: false,
});
process.stdout.write(`${JSON.stringify({ event: 'ready', welcomed: sim.welcomed(), ms: Date.now() - t0, rss: process.memoryUsage.rss() })}\n`);
let last = -1;
const timer = setInterval(() => {
  if (sim.answered() !== last) {
    last = sim.answered();
    process.stdout.write(`${JSON.stringify({ event: 'answered', count: last })}\n`);
  }
}, 1000);
const stop = () => {
  clearInterval(timer);
  void sim.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
