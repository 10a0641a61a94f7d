import { listErrorCodes } from './catalog/index.js';
import { LAYERS } from './types.js';

/** Render docs/error-codes.md from the catalogue. */
export function renderErrorCodesDoc(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from core/errors/catalog by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'Every error Starling reports carries one of these codes, as `LAYER-CATEGORY-NAME`.',
    'API errors are RFC 9457 problem documents (`application/problem+json`) with the members',
    '`type`, `title`, `status`, `detail`, `instance`, `code`, `layer`, `category`, `retryable`,',
    '`remedy` and `actor`. `GET /v1/error-codes` serves the same catalogue.',
    '',
    `Layers: ${LAYERS.join(', ')}. Categories: SYS (system fault of Starling), ENV (host environment),`,
    'USR (caller\'s mistake), DEP (third-party dependency), UNK (unknown).',
    '',
  ];
  for (const layer of LAYERS) {
    const entries = listErrorCodes().filter((e) => e.layer === layer);
    if (entries.length === 0) continue;
    lines.push(`## ${layer}`, '', '| Code | HTTP | Retryable | Who acts | Message | Remedy |', '|---|---|---|---|---|---|');
    for (const e of entries) {
      lines.push(`| \`${e.code}\` | ${e.status} | ${e.retryable ? 'yes' : 'no'} | ${e.actor} | ${cell(e.message)} | ${cell(e.remedy)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
