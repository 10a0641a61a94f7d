import { z } from 'zod';
import type { CollectedFacts } from '../../collector/index.js';

// The protocol carries `facts.collected` as an open record (the collector's output may grow
// fields); the proxy checks the part it stores in columns and history before trusting it.
const fact = (value: z.ZodType) => z.object({ value, source: z.string().max(64), specVersion: z.string().max(32) }).passthrough();
const collectedFacts = z.object({
  specVersion: z.string().max(32),
  sn: fact(z.string().min(1).max(128).nullable()),
  ip: fact(z.string().min(1).max(64).nullable()),
  hostname: fact(z.string().min(1).max(255).nullable()),
  platform: fact(z.string().max(64).nullable()),
}).passthrough();

/**
 * The collector's facts document from a registration, or null when the agent sent none or
 * one without the identity facts (SN, IP, hostname, platform with value and source): such a
 * registration is stored without history, as a host without a collector.
 */
export function parseCollectedFacts(collected: unknown): CollectedFacts | null {
  if (collected === undefined) return null;
  const parsed = collectedFacts.safeParse(collected);
  return parsed.success ? (parsed.data as unknown as CollectedFacts) : null;
}
