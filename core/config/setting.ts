import { z } from 'zod';

/** One configuration setting: its schema, default and documentation. */
export interface SettingDef<S extends z.ZodType = z.ZodType, D = unknown> {
  /** Validates and coerces the raw value (env values arrive as strings). */
  readonly schema: S;
  /** Used when neither the environment nor the config file sets it; absent means "unset". */
  readonly default: D;
  /** One or two sentences for docs/configuration.md. */
  readonly doc: string;
  /** What values are allowed, in words; shown when a value is rejected. */
  readonly allowed: string;
  /** Never printed: masked in errors and logs. */
  readonly secret: boolean;
}

/** Declare a setting. Omit `default` for a setting that may stay unset. */
export function setting<S extends z.ZodType, D extends z.input<S> | undefined = undefined>(def: {
  schema: S;
  default?: D;
  doc: string;
  allowed: string;
  secret?: boolean;
}): SettingDef<S, D> {
  return { schema: def.schema, default: def.default as D, doc: def.doc, allowed: def.allowed, secret: def.secret ?? false };
}

/** The parsed type of a setting: its schema's output, or undefined when it has no default. */
export type SettingValue<T> =
  T extends SettingDef<infer S, infer D> ? (undefined extends D ? z.output<S> | undefined : z.output<S>) : never;

/** A boolean from `true/false/1/0/yes/no` (any case) or a JSON boolean. */
export const boolish = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
]);

/** A TCP/UDP port number. */
export const port = z.coerce.number().int().min(0).max(65535);

/** A positive integer (coerced from a string). */
export const positiveInt = z.coerce.number().int().positive();

/** A comma-separated list (or a JSON array) of non-empty strings. */
export const stringList = z.union([
  z.array(z.string().min(1)),
  z.string().transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0)),
]);
