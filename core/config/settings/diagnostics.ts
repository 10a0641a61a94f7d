import { z } from 'zod';
import { boolish, port, positiveInt, setting } from '../setting.js';

const nonNegativeInt = z.coerce.number().int().min(0);
const fraction = z.coerce.number().gt(0).lte(100);
const positiveNumber = z.coerce.number().positive();

/** Settings of the diagnostics engine: probes, thresholds, sources, cache, syslog receiver. */
export const diagnosticsSettings = {
  DIAG_PROBE_TIMEOUT_MS: setting({
    schema: positiveInt, default: 1000,
    doc: 'Time limit of each network probe (ping, TCP connect, SSH banner), in milliseconds.',
    allowed: 'a positive integer (milliseconds)',
  }),
  DIAG_SSH_PORT: setting({
    schema: port, default: 22,
    doc: 'TCP port the SSH check connects to.',
    allowed: 'an integer from 0 to 65535',
  }),
  DIAG_PING_MODE: setting({
    schema: z.enum(['auto', 'fping', 'ping', 'tcp']), default: 'auto',
    doc: 'How reachability is probed: auto picks fping, then ping, then a TCP connect probe; or force one.',
    allowed: 'auto, fping, ping or tcp',
  }),
  DIAG_TCP_PROBE_PORTS: setting({
    schema: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((x) => Number(x.trim())) : v), z.array(port).min(1)),
    default: [22, 80, 443],
    doc: 'Ports the TCP reachability probe tries when ICMP is not available; a refused connection also proves the host is up.',
    allowed: 'comma-separated port numbers',
  }),
  DIAG_DISK_MAX_USED_PERCENT: setting({
    schema: fraction, default: 95,
    doc: 'A mount more used than this percentage is a problem.',
    allowed: 'a number in (0, 100]',
  }),
  DIAG_DISK_MIN_FREE_BYTES: setting({
    schema: nonNegativeInt, default: 1_073_741_824,
    doc: 'A mount (on / and data mounts) with less free space than this is a problem. Default 1 GiB.',
    allowed: 'a non-negative integer (bytes)',
  }),
  DIAG_LOAD_MAX_PER_CORE: setting({
    schema: positiveNumber, default: 2,
    doc: 'Load average (1 min) per core above which load is a problem regardless of history.',
    allowed: 'a positive number',
  }),
  DIAG_LOAD_BASELINE_K: setting({
    schema: positiveNumber, default: 3.5,
    doc: 'Load is also a problem above median + k * 1.4826 * MAD of the host\'s own recent history (3.5 = Iglewicz-Hoaglin).',
    allowed: 'a positive number',
  }),
  DIAG_HISTORY_MINUTES: setting({
    schema: positiveInt, default: 360,
    doc: 'How far back heartbeat metrics and syslog events are read for a diagnosis, in minutes.',
    allowed: 'a positive integer (minutes)',
  }),
  DIAG_HEARTBEAT_STALE_MS: setting({
    schema: positiveInt, default: 90_000,
    doc: 'An agent whose last heartbeat is older than this is treated as disconnected.',
    allowed: 'a positive integer (milliseconds)',
  }),
  DIAG_UNACKED_RUN_MS: setting({
    schema: positiveInt, default: 30_000,
    doc: 'A run dispatched to a heartbeating agent and not acknowledged for this long marks the agent as hung.',
    allowed: 'a positive integer (milliseconds)',
  }),
  DIAG_CACHE_TTL_MS: setting({
    schema: nonNegativeInt, default: 30_000,
    doc: 'A host\'s diagnosis is reused for this long, so a mass failure probes each host once.',
    allowed: 'a non-negative integer (milliseconds)',
  }),
  DIAG_CONCURRENCY: setting({
    schema: positiveInt, default: 256,
    doc: 'How many hosts are diagnosed at once in one process.',
    allowed: 'a positive integer',
  }),
  DIAG_PROBES_PER_SECOND: setting({
    schema: positiveInt, default: 2000,
    doc: 'Upper bound on network probes started per second by one process.',
    allowed: 'a positive integer',
  }),
  DIAG_FAILED_RUNS_EVERY_MS: setting({
    schema: nonNegativeInt, default: 5000,
    doc: 'How often `starling server` looks for runs that just failed or timed out and queues a diagnosis of each of their hosts (one job per host per cache window); 0 turns it off.',
    allowed: 'a non-negative integer (milliseconds); 0 = off',
  }),
  DIAG_WAIT_BUDGET_MS: setting({
    schema: nonNegativeInt, default: 1500,
    doc: 'How long a failed run\'s problem document waits for its diagnosis before returning only the link.',
    allowed: 'a non-negative integer (milliseconds)',
  }),
  DIAG_PROMETHEUS_URL: setting({
    schema: z.string().regex(/^https?:\/\//, 'must start with http:// or https://'),
    doc: 'Prometheus base URL; when set, disk and load are also read from node_exporter series there.',
    allowed: 'an http:// or https:// URL',
  }),
  DIAG_PROMETHEUS_INSTANCE_TEMPLATE: setting({
    schema: z.string().min(1), default: '{ip}:9100',
    doc: 'How a host maps to the node_exporter `instance` label: {ip}, {hostname} and {sn} are filled in.',
    allowed: 'a template string',
  }),
  DIAG_SYSLOG_ENABLED: setting({
    schema: boolish, default: false,
    doc: 'Run the syslog receiver in `starling server`.',
    allowed: 'true or false',
  }),
  DIAG_SYSLOG_HOST: setting({
    schema: z.string().min(1), default: '0.0.0.0',
    doc: 'Address the syslog receiver listens on.',
    allowed: 'a host name or IP address',
  }),
  DIAG_SYSLOG_UDP_PORT: setting({
    schema: port, default: 5514,
    doc: 'UDP port of the syslog receiver (RFC 3164 / RFC 5424, one message per datagram).',
    allowed: 'an integer from 0 to 65535',
  }),
  DIAG_SYSLOG_TCP_PORT: setting({
    schema: port, default: 5514,
    doc: 'TCP port of the syslog receiver (RFC 6587 octet counting or LF framing).',
    allowed: 'an integer from 0 to 65535',
  }),
  DIAG_SYSLOG_MAX_MESSAGE_BYTES: setting({
    schema: positiveInt, default: 8192,
    doc: 'Largest syslog message accepted; larger ones are truncated (UDP) or skipped (TCP).',
    allowed: 'a positive integer (bytes)',
  }),
  DIAG_SYSLOG_RETENTION_HOURS: setting({
    schema: positiveInt, default: 72,
    doc: 'Stored syslog events older than this are deleted by the hourly prune job.',
    allowed: 'a positive integer (hours)',
  }),
  DIAG_SYSLOG_MAX_CONNECTIONS: setting({
    schema: positiveInt, default: 1024,
    doc: 'Most concurrent TCP syslog connections; more are refused.',
    allowed: 'a positive integer',
  }),
};
