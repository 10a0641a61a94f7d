import { execFileSync } from 'node:child_process';

/** One dmidecode record: its title line and its `Key: Value` pairs. */
export interface DmiRecord {
  readonly title: string;
  readonly values: ReadonlyMap<string, string>;
}

/**
 * Parse dmidecode's text output into records. A record starts at a `Handle 0x…` line, the
 * next line is its title (`System Information`), then tab-indented `Key: Value` lines;
 * doubly-indented list items are skipped.
 */
export function parseDmidecode(text: string): DmiRecord[] {
  const records: DmiRecord[] = [];
  let title: string | null = null;
  let values = new Map<string, string>();
  let expectTitle = false;
  const flush = () => {
    if (title !== null) records.push({ title, values });
    title = null;
    values = new Map();
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('Handle ')) {
      flush();
      expectTitle = true;
      continue;
    }
    if (expectTitle) {
      if (line.trim() === '') continue;
      title = line.trim();
      expectTitle = false;
      continue;
    }
    if (title === null || line.startsWith('\t\t')) continue;
    const m = /^\s+([^:]+):\s?(.*)$/.exec(line);
    if (m && m[1] !== undefined && m[2] !== undefined && !values.has(m[1].trim())) values.set(m[1].trim(), m[2]);
  }
  flush();
  return records;
}

/** Look up `key` in the first record titled `title`; undefined when absent. */
export function dmiValue(records: readonly DmiRecord[], title: string, key: string): string | undefined {
  return records.find((r) => r.title === title)?.values.get(key);
}

/**
 * Run `dmidecode -t 1 -t 2 -t 3` on the live host (needs root). Returns null when the binary
 * is missing, refuses, or takes longer than `timeoutMs`.
 */
export function runDmidecode(timeoutMs = 3000): string | null {
  try {
    return execFileSync('dmidecode', ['-t', '1', '-t', '2', '-t', '3'], {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1024 * 1024,
    });
  } catch {
    return null;
  }
}
