import { parseArgs } from 'node:util';
import { createLogger, loadConfig } from '../../core/index.js';
import { createApiKey } from '../../proxy/index.js';
import { createContext } from '../../runtime/index.js';
import type { Command } from '../command.js';

export const keysCommand: Command = {
  name: 'keys',
  summary: 'Manage API keys (create)',
  usage: `starling keys create --name NAME [--config FILE]

Creates an API key for the tasks API. The key is printed once, alone on the last line; only
its hash is stored. Send it as "Authorization: Bearer <key>".`,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'create') {
      io.stderr.write(`starling keys: unknown sub-command ${JSON.stringify(sub ?? '')}\n${this.usage}\n`);
      return 2;
    }
    const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, config: { type: 'string' } }, strict: true });
    const name = values.name?.trim();
    if (!name || name.length > 100) {
      io.stderr.write(`starling keys create: --name is required (1 to 100 characters)\n`);
      return 2;
    }
    const config = loadConfig({ file: values.config });
    // Logs go to stderr so that stdout holds only the key.
    const log = createLogger({ level: 'warn', format: 'json', destination: process.stderr });
    const ctx = await createContext(config, { log });
    try {
      const key = await createApiKey(ctx, name);
      io.stdout.write(`created API key "${key.name}" (id ${key.id}, prefix ${key.prefix}); it is shown only once:\n${key.key}\n`);
      return 0;
    } catch (err) {
      if ((err as { code?: string }).code === '23505' || /unique|duplicate/i.test(String((err as Error).message))) {
        io.stderr.write(`starling keys create: a key named "${name}" already exists\n`);
        return 1;
      }
      throw err;
    } finally {
      await ctx.close();
    }
  },
};
