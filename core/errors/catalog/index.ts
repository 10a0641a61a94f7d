import { agentErrors } from './agent.js';
import { botErrors } from './bot.js';
import { channelErrors } from './channel.js';
import { cmdbErrors } from './cmdb.js';
import { diagErrors } from './diag.js';
import { proxyErrors } from './proxy.js';
import { CATEGORIES, LAYERS, type Category, type ErrorEntry, type Layer } from '../types.js';

/**
 * The error catalogue: the single source of truth for every code Starling emits.
 * Each layer keeps its slice in its own file; this module joins them.
 */
export const catalog = {
  ...proxyErrors,
  ...channelErrors,
  ...agentErrors,
  ...diagErrors,
  ...botErrors,
  ...cmdbErrors,
} as const;

/** Every catalogued code, as a string literal type. */
export type ErrorCode = keyof typeof catalog;

/** A catalogue entry with its code split into parts. */
export interface CatalogEntry extends ErrorEntry {
  readonly code: ErrorCode;
  readonly layer: Layer;
  readonly category: Category;
  readonly name: string;
}

const CODE_PATTERN = /^([A-Z]+)-([A-Z]+)-([A-Z0-9_]+)$/;

function expand(code: string, entry: ErrorEntry): CatalogEntry {
  const m = CODE_PATTERN.exec(code);
  if (!m) throw new Error(`catalogue code ${code} is not LAYER-CATEGORY-NAME`);
  const [, layer, category, name] = m as unknown as [string, Layer, Category, string];
  if (!LAYERS.includes(layer)) throw new Error(`catalogue code ${code} has unknown layer ${layer}`);
  if (!CATEGORIES.includes(category)) throw new Error(`catalogue code ${code} has unknown category ${category}`);
  return { ...entry, code: code as ErrorCode, layer, category, name };
}

const entries: ReadonlyMap<string, CatalogEntry> = new Map(
  Object.entries(catalog as Record<string, ErrorEntry>).map(([code, e]) => [code, expand(code, e)]),
);

/** All entries, sorted by code. */
export function listErrorCodes(): CatalogEntry[] {
  return [...entries.values()].sort((a, b) => a.code.localeCompare(b.code));
}

/** The entry for a code, or undefined when the string is not a catalogued code. */
export function lookupErrorCode(code: string): CatalogEntry | undefined {
  return entries.get(code);
}

/** True when the string is a catalogued code. */
export function isErrorCode(code: string): code is ErrorCode {
  return entries.has(code);
}

/** The entry for a code known at compile time. */
export function errorEntry(code: ErrorCode): CatalogEntry {
  return entries.get(code)!;
}
