/** The storage floor: schema, migrations and the database handle for Postgres and PGlite. */
export * from './database.js';
export * from './migrate.js';
export * from './rows.js';
export * from './delete-in-chunks.js';
export * from './run-history.js';
export * as schema from './schema/index.js';
export * from './schema/index.js';
