import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';

/** A test host in its own network namespace, joined to the root namespace by a veth pair. */
export interface NetnsHost {
  readonly ns: string;
  /** Address of the host inside the namespace. */
  readonly ip: string;
  /** Address of the root-namespace end. */
  readonly rootIp: string;
  /** Addresses on the same link that nobody holds: probes to them get no answer (a down host). */
  readonly spareIps: string[];
  /** Cut the link (the namespace end goes down: packets stay on the veth and get no answer). */
  cut(): void;
  /** Bring the link back. */
  heal(): void;
  /** Start a process inside the namespace; killed on close. */
  spawnInside(cmd: string, args: string[]): ChildProcess;
  /** Kill processes, delete the veth pair and the namespace. Safe to call twice. */
  close(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/**
 * Create a namespace host on a /29 inside 198.18.0.0/15 (the range RFC 2544 reserves for
 * benchmarking); the /29's spare addresses route to the same veth and answer nothing: a
 * "down" host whose probes never leave this machine. Throws — never skips — when namespaces
 * cannot be created.
 */
export function createNetnsHost(tag: string, options: { spare?: number } = {}): NetnsHost {
  const id = `${process.pid % 10000}${randomInt(0, 1000)}`;
  const ns = `stl-diag-${tag}-${id}`;
  const a = `sdg${id}a`.slice(0, 15);
  const b = `sdg${id}b`.slice(0, 15);
  // A /29 by default; a /22 when more than 4 spare (down-host) addresses are asked for.
  const wide = (options.spare ?? 4) > 4;
  const prefix = wide ? 22 : 29;
  const third = wide ? randomInt(0, 64) * 4 : randomInt(0, 256);
  const fourth = wide ? 0 : randomInt(0, 32) * 8;
  const addr = (k: number) => `198.19.${third + Math.floor((fourth + k) / 256)}.${(fourth + k) % 256}`;
  const rootIp = addr(1);
  const hostIp = addr(2);
  const spareIps = Array.from({ length: wide ? Math.min(options.spare!, 1000) : 4 }, (_, i) => addr(3 + i));
  const children: ChildProcess[] = [];
  ip('netns', 'add', ns);
  try {
    ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
    ip('link', 'set', b, 'netns', ns);
    ip('addr', 'add', `${rootIp}/${prefix}`, 'dev', a);
    ip('link', 'set', a, 'up');
    ip('-n', ns, 'addr', 'add', `${hostIp}/${prefix}`, 'dev', b);
    ip('-n', ns, 'link', 'set', b, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  } catch (err) {
    try { ip('link', 'del', a); } catch { /* not created */ }
    ip('netns', 'del', ns);
    throw err;
  }
  // Guard: traffic to the host must leave through our veth, never through a default route.
  const route = ip('route', 'get', hostIp);
  if (!route.includes(`dev ${a}`)) throw new Error(`route to ${hostIp} does not use ${a}: ${route}`);
  let closed = false;
  return {
    ns, ip: hostIp, rootIp, spareIps,
    cut: () => void ip('-n', ns, 'link', 'set', b, 'down'),
    heal: () => void ip('-n', ns, 'link', 'set', b, 'up'),
    spawnInside(cmd, args) {
      const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(c);
      return c;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const c of children) c.kill('SIGKILL');
      try { ip('link', 'del', a); } catch { /* gone with the namespace */ }
      try { ip('netns', 'del', ns); } catch { /* already gone */ }
    },
  };
}
