import { isStarlingError } from '../core/index.js';
import type { CommandIo } from './command.js';
import { commands } from './commands/index.js';
import { VERSION } from './version.js';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `starling ${VERSION}: operations command channel with built-in failure diagnostics and ChatOps`,
    '',
    'Usage: starling <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options: --help (also after a command), --version',
    'Settings come from the environment or a JSON --config file: see docs/configuration.md.',
  ].join('\n');
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help() + '\n');
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`starling: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (isStarlingError(err)) {
      io.stderr.write(`starling ${name}: ${err.message} (${err.code})\n`);
      // 78 (EX_CONFIG): the configuration cannot work as given; a supervisor should not retry.
      return err.code === 'PROXY-USR-CONFIG_INVALID' || err.code === 'PROXY-USR-WORKERS_NEED_REDIS' ? 78 : 1;
    }
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`starling ${name}: ${(err as Error).message}\n${command.usage}\n`);
      return 2;
    }
    io.stderr.write(`starling ${name}: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.env.STARLING_CLI === '1') {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    },
  );
}
