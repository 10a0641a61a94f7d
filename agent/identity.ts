import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registeredResponse, type RegisteredResponse } from '../protocol/index.js';

/** What the agent keeps from its last registration, in `identity.json` (mode 0600: it holds the credential). */
export interface AgentIdentity {
  /** Proxy URL it registered with; a different --server means register again. */
  server: string;
  registered: RegisteredResponse;
}

/** Load the saved identity, or null when there is none (or it is unreadable, or for another server). */
export function loadIdentity(dir: string, server: string): AgentIdentity | null {
  const path = join(dir, 'identity.json');
  if (!existsSync(path)) return null;
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { server?: unknown; registered?: unknown };
    const parsed = registeredResponse.safeParse(raw.registered);
    if (!parsed.success || raw.server !== server) return null;
    return { server, registered: parsed.data };
  } catch {
    return null;
  }
}

/** Save the identity atomically (write a temporary file, then rename). */
export function saveIdentity(dir: string, identity: AgentIdentity): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'identity.json');
  writeFileSync(`${path}.tmp`, JSON.stringify(identity), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
