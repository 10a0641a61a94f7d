import type { LayerCatalog } from '../types.js';

/**
 * Errors raised by diagnostics: verdicts about hosts (the `ENV` codes say what is wrong with
 * the machine, the `SYS` codes what is wrong with Starling's agent on it) and failures of the
 * diagnostics engine's own inputs.
 */
export const diagErrors = {
  'DIAG-ENV-HOST_DOWN': {
    status: 503, retryable: true, actor: 'host-owner',
    title: 'Host down',
    message: 'Host {host} does not answer ping or TCP: it is down or cut off from the network.',
    remedy: 'Check the machine\'s power and network (console, BMC); run the command again once it answers ping.',
  },
  'DIAG-ENV-HOST_CRASHED': {
    status: 503, retryable: true, actor: 'host-owner',
    title: 'Host crashed',
    message: 'Host {host} crashed or rebooted uncleanly: {detail}',
    remedy: 'Read the host\'s syslog around the crash (kernel panic, lockup, hardware error) and check its hardware before running the command again.',
  },
  'DIAG-ENV-HARDWARE_FAILING': {
    status: 503, retryable: false, actor: 'host-owner',
    title: 'Hardware failing',
    message: 'Host {host} reports hardware or storage errors: {detail}',
    remedy: 'Open a hardware ticket for the machine (memory, disk or controller) and move its workload away.',
  },
  'DIAG-ENV-SSH_UNREACHABLE': {
    status: 503, retryable: true, actor: 'host-owner',
    title: 'SSH unreachable',
    message: 'Host {host} answers ping but its SSH port {port} does not give an SSH banner.',
    remedy: 'Check sshd on the host (service state, firewall, MaxStartups) from its console.',
  },
  'DIAG-ENV-DISK_FULL': {
    status: 507, retryable: false, actor: 'host-owner',
    title: 'Disk full',
    message: 'Host {host}: mount {mount} is {percent}% full ({freeBytes} bytes free).',
    remedy: 'Free space on the mount (logs, core files, old packages) or grow the filesystem, then run the command again.',
  },
  'DIAG-ENV-LOAD_HIGH': {
    status: 503, retryable: true, actor: 'host-owner',
    title: 'Load too high',
    message: 'Host {host} has load {loadPerCore} per core ({reason}).',
    remedy: 'Find the processes loading the host (top, pidstat) and relieve it, or run the command later.',
  },
  'DIAG-SYS-AGENT_DOWN': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Agent down',
    message: 'Host {host} is reachable but its Starling agent is not connected ({detail}).',
    remedy: 'Restart the agent on the host (systemctl restart starling-agent) and check its log for why it stopped.',
  },
  'DIAG-SYS-AGENT_HUNG': {
    status: 503, retryable: true, actor: 'starling-operator',
    title: 'Agent hung',
    message: 'The agent on host {host} heartbeats but has not acknowledged run {runId} for {ageMs} ms.',
    remedy: 'The agent\'s executor is stuck: restart the agent; it self-heals when its watchdog fires.',
  },
  'DIAG-ENV-CMDB_MISMATCH': {
    status: 409, retryable: false, actor: 'cmdb-owner',
    title: 'CMDB disagrees with the host',
    message: 'The CMDB records {field} {cmdbValue} for host {host}, but the host reports {hostValue}.',
    remedy: 'Correct the CMDB record (or the host\'s collected facts) so that SN and IP agree.',
  },
  'DIAG-UNK-INCONCLUSIVE': {
    status: 500, retryable: true, actor: 'starling-operator',
    title: 'Diagnosis inconclusive',
    message: 'No check found a fault on host {host}, but {count} checks could not decide.',
    remedy: 'Look at the inconclusive checks in the diagnosis and at the run\'s own error.',
  },
  'DIAG-USR-DIAGNOSIS_NOT_FOUND': {
    status: 404, retryable: false, actor: 'caller',
    title: 'Diagnosis not found',
    message: 'There is no diagnosis {id}.',
    remedy: 'Use the id returned by POST /v1/diagnoses, or GET /v1/hosts/{id}/diagnosis.',
  },
  'DIAG-USR-HOST_NOT_FOUND': {
    status: 404, retryable: false, actor: 'caller',
    title: 'Host not found',
    message: 'There is no host {id}.',
    remedy: 'Use a host id Starling knows, or POST /v1/diagnoses with the host\'s IP, SN or hostname.',
  },
  'DIAG-DEP-PROMETHEUS_UNAVAILABLE': {
    status: 503, retryable: true, actor: 'third-party',
    title: 'Prometheus unavailable',
    message: 'Prometheus at {url} did not answer: {reason}',
    remedy: 'Check that Prometheus runs and DIAG_PROMETHEUS_URL points at it; checks that need it stay inconclusive until then.',
  },
  'DIAG-SYS-PROMETHEUS_QUERY_REJECTED': {
    status: 500, retryable: false, actor: 'starling-operator',
    title: 'Prometheus rejected a query',
    message: 'Prometheus rejected the query {query}: {errorType} {reason}',
    remedy: 'A query Starling built is wrong; report it with the query text.',
  },
  'DIAG-USR-SYSLOG_MESSAGE_TOO_LARGE': {
    status: 413, retryable: false, actor: 'third-party',
    title: 'Syslog message too large',
    message: 'A syslog message from {sender} of {size} bytes exceeds the limit of {limit} bytes.',
    remedy: 'Lower the sender\'s maximum message size, or raise DIAG_SYSLOG_MAX_MESSAGE_BYTES.',
  },
  'DIAG-USR-SYSLOG_FRAME_INVALID': {
    status: 400, retryable: false, actor: 'third-party',
    title: 'Syslog frame invalid',
    message: 'The syslog stream from {sender} is not valid RFC 6587 framing: {reason}',
    remedy: 'Configure the sender for octet-counted or LF-terminated TCP syslog.',
  },
  'DIAG-SYS-SYSLOG_LISTEN_FAILED': {
    status: 500, retryable: false, actor: 'starling-operator',
    title: 'Syslog receiver could not listen',
    message: 'The syslog receiver could not listen on {transport} {host}:{port}: {reason}',
    remedy: 'Pick a free port in DIAG_SYSLOG_UDP_PORT / DIAG_SYSLOG_TCP_PORT (ports below 1024 need root).',
  },
} as const satisfies LayerCatalog<'DIAG'>;
