import type { SettingDef } from './setting.js';
import { settings } from './settings/index.js';

/** Render docs/configuration.md from the settings table. */
export function renderConfigurationDoc(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from core/config/settings by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'Every setting is read from the environment, or from a JSON config file named by',
    '`STARLING_CONFIG` (or `--config FILE`) whose keys are the setting names below.',
    'The environment wins over the file; an empty environment value counts as unset.',
    'An invalid value stops the process with one line naming the setting, the value and what is allowed',
    '(error code `PROXY-USR-CONFIG_INVALID`). Secret values are never printed.',
    '',
    '| Setting | Default | Allowed | Description |',
    '|---|---|---|---|',
  ];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  for (const [name, def] of Object.entries(settings) as [string, SettingDef][]) {
    const dflt = def.default === undefined ? '(unset)' : `\`${String(def.default)}\``;
    lines.push(`| \`${name}\`${def.secret ? ' (secret)' : ''} | ${dflt} | ${cell(def.allowed)} | ${cell(def.doc)} |`);
  }
  lines.push('| `STARLING_CONFIG` | (unset) | a file path | Optional JSON config file; see above. |');
  return lines.join('\n') + '\n';
}
