import type { Command } from '../command.js';
import { docsCommand } from './docs.js';
import { migrateCommand } from './migrate.js';
import { serverCommand } from './server.js';
import { proxyCommand } from './proxy.js';
import { workerCommand } from './worker.js';
import { keysCommand } from './keys.js';
import { channelCommand } from './channel.js';
import { agentCommand } from './agent.js';
import { cmdbCommand, collectCommand, diagnoseCommand } from './components.js';

/** Every `starling` command, in the order `--help` lists them. Add one line per command. */
export const commands: Command[] = [serverCommand, migrateCommand, docsCommand, proxyCommand, workerCommand, keysCommand, channelCommand, agentCommand, collectCommand, cmdbCommand, diagnoseCommand];
