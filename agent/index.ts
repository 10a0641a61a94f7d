/**
 * The agent: registers with the ConfigService, holds one channel connection, verifies,
 * journals and executes signed runs, heartbeats with health and metrics. Imports only
 * `core/`, `protocol/` and `collector/` (test/agent-imports.test.ts checks it).
 */
export { startAgent, defaultStateDir, AGENT_VERSION, type AgentOptions, type RunningAgent } from './agent.js';
export { agentCommand, AGENT_USAGE, type AgentCommandIo } from './agent-command.js';
export { Journal, type JournalEntry, type JournalOptions } from './journal.js';
export { Executor, type ExecutorOptions } from './executor.js';
export { executeRun, type ExecuteRunOptions, type RunningProcess } from './execute-run.js';
export { checkDispatch, type CheckDispatchOptions } from './verify-run.js';
export { pickChannel } from './pick-channel.js';
export { registerAgent, type RegisterAgentOptions } from './register-agent.js';
export { HostMetricsReader, parseMounts, type HostMetricsOptions } from './host-metrics.js';
