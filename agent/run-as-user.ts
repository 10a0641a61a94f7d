import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { StarlingError } from '../core/index.js';

/** The uid/gid/home a run switches to, or null to run as the agent's own user. */
export interface RunUser {
  uid: number;
  gid: number;
  name: string;
  home: string;
}

/**
 * Resolve the user a run asks for. As root: look the name up in /etc/passwd
 * (AGENT-ENV-USER_UNKNOWN when absent). Not root: only the agent's own user is allowed
 * (AGENT-ENV-USER_SWITCH_DENIED otherwise).
 */
export function resolveRunUser(user: string | null, passwdPath = '/etc/passwd'): RunUser | null {
  if (user === null) return null;
  const me = userInfo();
  if (process.getuid?.() !== 0) {
    if (user === me.username) return null;
    throw new StarlingError('AGENT-ENV-USER_SWITCH_DENIED', { user, current: me.username });
  }
  let text = '';
  try {
    text = readFileSync(passwdPath, 'utf8');
  } catch {
    // fall through: unknown user
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === user && f.length >= 7) return { name: user, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
  }
  throw new StarlingError('AGENT-ENV-USER_UNKNOWN', { user });
}
