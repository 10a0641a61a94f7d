import type { Command } from '../command.js';
import { docsCommand } from './docs.js';
import { migrateCommand } from './migrate.js';
import { serverCommand } from './server.js';

/** Every `starling` command, in the order `--help` lists them. Add one line per command. */
export const commands: Command[] = [serverCommand, migrateCommand, docsCommand];
