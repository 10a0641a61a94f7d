import { readFileSync } from 'node:fs';
import { StarlingError } from '../errors/index.js';
import type { SettingDef, SettingValue } from './setting.js';
import { settings } from './settings/index.js';

/** The validated configuration, keyed by setting name. */
export type Config = { readonly [K in keyof typeof settings]: SettingValue<(typeof settings)[K]> };

/** Where configuration comes from: the environment and, optionally, a JSON config file. */
export interface LoadConfigOptions {
  /** Environment variables; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON file whose keys are setting names; default `env.STARLING_CONFIG`, else none. */
  file?: string | undefined;
  /** Values that win over both (command-line flags). */
  overrides?: Readonly<Record<string, unknown>>;
}

function display(value: unknown, secret: boolean): string {
  if (secret) return '"***"';
  return JSON.stringify(value) ?? String(value);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StarlingError('PROXY-USR-CONFIG_INVALID', {
      setting: 'STARLING_CONFIG', value: JSON.stringify(path), allowed: `the file cannot be read (${(err as Error).message})`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new StarlingError('PROXY-USR-CONFIG_INVALID', {
      setting: 'STARLING_CONFIG', value: JSON.stringify(path), allowed: `the file must be a JSON object (${(err as Error).message})`,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new StarlingError('PROXY-USR-CONFIG_INVALID', {
      setting: 'STARLING_CONFIG', value: JSON.stringify(path), allowed: 'the file must hold a JSON object keyed by setting names',
    });
  }
  for (const key of Object.keys(parsed)) {
    if (!(key in settings)) {
      throw new StarlingError('PROXY-USR-CONFIG_INVALID', {
        setting: key, value: '(in config file)', allowed: 'not a known setting; see docs/configuration.md',
      });
    }
  }
  return parsed as Record<string, unknown>;
}

/**
 * Read and validate every setting. Precedence: overrides, then the environment, then the
 * config file, then the default. An empty environment value counts as unset. The first
 * invalid value throws PROXY-USR-CONFIG_INVALID naming the setting, the value and what is allowed.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const filePath = options.file ?? (env.STARLING_CONFIG || undefined);
  const file = filePath ? readConfigFile(filePath) : {};
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(settings) as [string, SettingDef][]) {
    const fromEnv = env[name];
    const raw =
      options.overrides?.[name] ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined) ?? file[name] ?? def.default;
    if (raw === undefined) {
      out[name] = undefined;
      continue;
    }
    const result = def.schema.safeParse(raw);
    if (!result.success) {
      throw new StarlingError('PROXY-USR-CONFIG_INVALID', {
        setting: name, value: display(raw, def.secret), allowed: def.allowed,
      });
    }
    out[name] = result.data;
  }
  return Object.freeze(out) as Config;
}

/** The configuration with secrets masked, for logs and diagnostics. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(settings) as [string, SettingDef][]) {
    const v = (config as Record<string, unknown>)[name];
    out[name] = def.secret && v !== undefined ? '***' : v;
  }
  return out;
}
