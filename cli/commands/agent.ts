import { agentCommand as runAgent, AGENT_USAGE } from '../../agent/index.js';
import type { Command } from '../command.js';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Run the agent on a host: register, hold a channel connection, run signed commands',
  usage: AGENT_USAGE,
  run: (argv, io) => runAgent(argv, io),
};
