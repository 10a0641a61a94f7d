import type { LayerCatalog } from '../types.js';

/** Errors raised by the agent: registration, run verification and execution, and its host. */
export const agentErrors = {
  'AGENT-DEP-REGISTRATION_FAILED': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Registration failed',
    message: 'The agent could not register with {server}: {reason}',
    remedy: 'Check that the proxy is reachable from the host and the enrolment token is right; the agent retries by itself.',
  },
  'AGENT-USR-USAGE': {
    status: 400, retryable: false, actor: 'host-owner',
    title: 'Invalid agent options',
    message: 'The agent cannot start: {reason}',
    remedy: 'Run `starling agent --help` and correct the options.',
  },
  'AGENT-SYS-SIGNATURE_INVALID': {
    status: 403, retryable: false, actor: 'starling-operator',
    title: 'Run signature invalid',
    message: 'Run {runId} was refused: its signature does not verify ({reason}).',
    remedy: 'The run was forged or altered in transit, or the agent holds an old signing key; check the channel path and re-register the agent.',
  },
  'AGENT-SYS-RUN_REPLAYED': {
    status: 403, retryable: false, actor: 'starling-operator',
    title: 'Run replayed',
    message: 'Run {runId} was refused as a replay: {reason}',
    remedy: 'An old signed run was sent again; check who can write to the channel path. Send a new task instead.',
  },
  'AGENT-SYS-RUN_MISDIRECTED': {
    status: 403, retryable: false, actor: 'starling-operator',
    title: 'Run for another agent',
    message: 'Run {runId} is signed for agent {target}, not for this agent {agentId}.',
    remedy: 'Routing sent the run to the wrong host; check the agent-to-channel routing.',
  },
  'AGENT-USR-COMMAND_FAILED': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Command failed',
    message: 'The command exited with code {exitCode}.',
    remedy: 'Read the run\'s stderr and fix the command or the host state it depends on.',
  },
  'AGENT-USR-COMMAND_KILLED': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Command killed by a signal',
    message: 'The command was killed by signal {signal}.',
    remedy: 'Check the host (out-of-memory killer, an operator) and the command; run it again if it is safe.',
  },
  'AGENT-ENV-TIMEOUT': {
    status: 504, retryable: true, actor: 'caller',
    title: 'Run timed out',
    message: 'The command did not finish within {timeoutMs} ms and was killed.',
    remedy: 'Raise the task\'s timeout or make the command faster; check the host\'s load.',
  },
  'AGENT-ENV-SPAWN_FAILED': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Command could not start',
    message: 'The command could not be started: {reason}',
    remedy: 'Check the program path, the working directory and permissions on the host.',
  },
  'AGENT-ENV-USER_UNKNOWN': {
    status: 422, retryable: false, actor: 'caller',
    title: 'Unknown user',
    message: 'The user {user} does not exist on the host.',
    remedy: 'Create the user on the host or name an existing one.',
  },
  'AGENT-ENV-USER_SWITCH_DENIED': {
    status: 422, retryable: false, actor: 'host-owner',
    title: 'Cannot run as another user',
    message: 'The run asks for user {user}, but the agent runs as {current}, not as root.',
    remedy: 'Run the agent as root, or omit the user.',
  },
  'AGENT-ENV-INTERRUPTED': {
    status: 503, retryable: true, actor: 'host-owner',
    title: 'Run interrupted by an agent restart',
    message: 'Run {runId} was interrupted when the agent restarted; its outcome is unknown and it was not run again.',
    remedy: 'Check on the host whether the command completed before running it again; find why the agent restarted.',
  },
  'AGENT-SYS-EXECUTOR_HUNG': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Executor hung',
    message: 'The agent\'s executor made no progress on run {runId} for {stalledMs} ms; the run was abandoned and the executor restarted.',
    remedy: 'The agent healed itself; if it repeats, check the host for processes stuck in uninterruptible I/O.',
  },
  'AGENT-SYS-RUN_EXPIRED': {
    status: 504, retryable: true, actor: 'starling-operator',
    title: 'Run arrived after its deadline',
    message: 'Run {runId} reached the agent after its deadline and was not started.',
    remedy: 'Check the channel path latency and clock skew between proxy and host.',
  },
  'AGENT-ENV-JOURNAL_FAILED': {
    status: 507, retryable: true, actor: 'host-owner',
    title: 'Run journal not writable',
    message: 'Run {runId} was not started: the agent could not record it in its journal ({reason}).',
    remedy: 'Free space on the file system of the agent\'s state directory (or fix its permissions); the run was not executed, so it is safe to send again.',
  },
} as const satisfies LayerCatalog<'AGENT'>;
