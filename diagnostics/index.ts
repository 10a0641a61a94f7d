/**
 * Diagnostics: answers "why did my command fail on host X, and who owns it" from ping, SSH,
 * agent state, disk, load, syslog and CMDB evidence. The composition root wires
 * {@link diagnosticsRoutes}, {@link diagnoseJob} and {@link startDiagnosticsSyslog}; the
 * proxy calls {@link enrichProblem} for failed runs.
 */
export * from './types.js';
export * from './diagnosis.js';
export * from './checks/tcp-connect.js';
export * from './checks/ping-check.js';
export * from './checks/ssh-check.js';
export * from './checks/disk-check.js';
export * from './checks/load-check.js';
export * from './checks/robust-baseline.js';
export * from './checks/agent-check.js';
export * from './checks/cmdb-check.js';
export * from './checks/syslog-check.js';
export * from './syslog/patterns.js';
export * from './syslog/parse-syslog.js';
export * from './syslog/frame-decoder.js';
export * from './syslog/syslog-receiver.js';
export * from './verdict/rules.js';
export * from './verdict/decide-verdict.js';
export * from './sources/prometheus-source.js';
export * from './store/diagnosis-store.js';
export * from './store/syslog-store.js';
export * from './store/load-evidence.js';
export * from './micro-batcher.js';
export * from './diagnose-host.js';
export * from './diagnose-job.js';
export * from './diagnostics-routes.js';
export * from './enrich-problem.js';
export * from './start-syslog.js';
export * from './diagnose-command.js';
export * from './prune-syslog.js';
export * from './failed-runs-job.js';
