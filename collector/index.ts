/**
 * The collector: the shared SN/IP collection spec (versioned data in `spec/`) and the code
 * that applies it. Imported by the agent, so it imports only node built-ins and `core/`:
 * never drizzle, bullmq, ioredis or hono.
 */
export { collectFacts, type CollectFactsOptions } from './collect-facts.js';
export { collectCommand, formatFacts, type CommandIo } from './collect-command.js';
export { checkPlaceholder, foldSerial, normalizeSerial, type NormalizedSerial, type PlaceholderVerdict } from './serial-rules.js';
export { canonicalIp } from './ip-address.js';
export { CURRENT_SPEC, SPECS, specV1, type CollectionSpec } from './spec.js';
export type {
  CollectedFacts, InterfaceAddress, IpFact, Provenance, RejectedValue, SerialFact, TextFact, UnreadSource,
} from './facts.js';
