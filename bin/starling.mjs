#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader; `npm run build:agent` makes the agent's own bundle.
import { register } from 'tsx/esm/api';

register();
process.env.STARLING_CLI = '1';
await import('../cli/main.ts');
