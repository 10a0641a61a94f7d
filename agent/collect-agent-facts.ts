import { hostname, networkInterfaces } from 'node:os';
import { collectFacts } from '../collector/index.js';
import type { AgentFacts } from '../protocol/index.js';

/**
 * The facts sent at registration: from the collector (SN, primary IP from the default-route
 * interface, hostname, each with provenance); if the collector fails, the plain OS view
 * (hostname and non-internal addresses, no SN) so the agent can still register.
 */
export function collectAgentFacts(): AgentFacts {
  try {
    const f = collectFacts();
    const ips = [...new Set([f.ip.value, ...f.addresses.map((a) => a.address)].filter((x): x is string => !!x))];
    return {
      hostname: f.hostname.value ?? hostname(), ip: f.ip.value, ips: ips.slice(0, 256), sn: f.sn.value,
      collected: JSON.parse(JSON.stringify(f)) as Record<string, unknown>,
    };
  } catch {
    const ips = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal)
      .map((a) => a!.address);
    return { hostname: hostname(), ip: ips[0] ?? null, ips: ips.slice(0, 256), sn: null };
  }
}
