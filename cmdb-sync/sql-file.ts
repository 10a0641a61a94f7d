import { readFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';

/** Values a SQL file's `${name}` placeholders take; each becomes a bound parameter. */
export type SqlParams = Readonly<Record<string, string | number | boolean | null>>;

/** One statement of a SQL file, by its `-- name:` label. */
export interface SqlStatement {
  readonly name: string;
  build(params: SqlParams): SQL;
}

/**
 * Load a SQL file of labelled statements. Each statement starts with a `-- name: <label>`
 * line; `${param}` placeholders become bound parameters (never spliced text), so the files
 * stay plain SQL that reads on its own.
 */
export function loadSqlFile(url: URL): Map<string, SqlStatement> {
  const text = readFileSync(url, 'utf8');
  const out = new Map<string, SqlStatement>();
  const parts = text.split(/^-- name: *(\S+) *$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    const body = (parts[i + 1] ?? '').trim().replace(/;\s*$/, '');
    const pieces = body.split(/\$\{(\w+)\}/);
    out.set(name, {
      name,
      build(params) {
        const chunks: SQL[] = [];
        pieces.forEach((piece, j) => {
          if (j % 2 === 0) {
            if (piece) chunks.push(sql.raw(piece));
            return;
          }
          if (!(piece in params)) throw new Error(`${url.pathname}: statement ${name} needs parameter ${piece}`);
          chunks.push(sql`${params[piece]}`);
        });
        return sql.join(chunks, sql.raw(''));
      },
    });
  }
  return out;
}

/** The statement `name` of a loaded file; throws on a typo (a bug, not a user error). */
export function statement(file: Map<string, SqlStatement>, name: string): SqlStatement {
  const s = file.get(name);
  if (!s) throw new Error(`no SQL statement named ${name}`);
  return s;
}
