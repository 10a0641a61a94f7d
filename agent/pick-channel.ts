import type { ChannelEndpoint } from '../protocol/index.js';

/**
 * Pick a channel at random among the least loaded (within `slack` of the lowest load),
 * skipping `exclude` unless that leaves none. Random, so agents that register at the same
 * moment spread over equally loaded channels instead of all taking the first.
 */
export function pickChannel(
  channels: readonly ChannelEndpoint[],
  exclude: ReadonlySet<string> = new Set(),
  random: () => number = Math.random,
  slack = 0.05,
): ChannelEndpoint | undefined {
  const usable = channels.filter((c) => !exclude.has(c.id));
  const pool = usable.length ? usable : [];
  if (pool.length === 0) return undefined;
  const min = Math.min(...pool.map((c) => c.load));
  const least = pool.filter((c) => c.load <= min + slack);
  return least[Math.floor(random() * least.length)] ?? least[0];
}
