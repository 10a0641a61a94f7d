/**
 * cmdb-sync: CMDB import (files, push API, NetBox pull), set-based reconciliation against
 * agent facts as a job, persisted runs and findings, and safe auto-fix.
 */
export { importCmdb, type ImportCmdbOptions, type ImportCmdbResult } from './import-cmdb.js';
export { parseImportFile, parseCsvText, parseJsonText, type ParsedImport } from './parse-import-file.js';
export { parseColumnMapping, resolveColumns, CMDB_FIELDS, type ColumnMapping, type CmdbField } from './column-mapping.js';
export { validateCmdbRecords, type CmdbRow, type RawCmdbRecord, type RowError } from './cmdb-row.js';
export { reconcileCmdb, FINDING_KINDS, type FindingKind, type ReconcileCmdbOptions, type ReconcileProgress, type ReconcileSummary } from './reconcile-cmdb.js';
export { createReconcileRun, getReconcileRun, listReconcileRuns, latestSucceededRunId, type ReconcileRun } from './reconcile-runs.js';
export { autofixCmdb, autofixPolicyFromConfig, type AutofixPolicy, type FieldFixPolicy } from './autofix-cmdb.js';
export { recordHostFacts, type HostFactsUpdate } from './record-host-facts.js';
export { pullNetboxDevices, netboxDeviceRecord, type PullNetboxOptions } from './netbox-pull.js';
export { cmdbRoutes } from './cmdb-routes.js';
export { findFindings, type FindingFilter, type FindingView } from './find-findings.js';
export { reconcileJob, scheduleReconcile, requestReconcile, RECONCILE_JOB, type ReconcileJobData } from './reconcile-job.js';
export { syncNetbox } from './sync-netbox.js';
export { cmdbCommand, CMDB_USAGE } from './cmdb-command.js';
export { cmdbServerPart, cmdbBodyLimits } from './cmdb-part.js';
