import { parseArgs } from 'node:util';
import { createLogger, loadConfig } from '../../core/index.js';
import { migrate, openDatabase } from '../../db/index.js';
import type { Command } from '../command.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply database migrations (Postgres when DATABASE_URL is set, else embedded PGlite)',
  usage: 'starling migrate [--config FILE]',
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
    const config = loadConfig({ file: values.config });
    const log = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
    const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.STARLING_DATA_DIR, log });
    try {
      await migrate(database);
      io.stdout.write(`migrations applied (${database.kind}: ${database.location})\n`);
    } finally {
      await database.close();
    }
    return 0;
  },
};
