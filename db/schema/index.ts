/** Every table of Starling; one file per entity. Append new entities at the end. */
export * from './owners.js';
export * from './hosts.js';
export * from './channels.js';
export * from './agents.js';
export * from './host-metrics.js';
export * from './api-keys.js';
export * from './tasks.js';
export * from './task-runs.js';
export * from './task-events.js';
export * from './cmdb-hosts.js';
export * from './audit-log.js';
