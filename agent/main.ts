/**
 * Entry point of the standalone agent bundle (`dist/starling-agent.mjs`) and of test
 * processes: `node starling-agent.mjs --server URL [--idc NAME]`.
 */
import { agentCommand } from './agent-command.js';

agentCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`starling agent: ${(err as { code?: string }).code ? `${err.message} (${(err as { code?: string }).code})` : err.stack}\n`);
    process.exitCode = 1;
  },
);
