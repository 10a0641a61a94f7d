import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The outcome of reading one file under the collection root. */
export type ReadResult =
  | { readonly ok: true; readonly text: string; readonly path: string }
  | { readonly ok: false; readonly reason: 'missing' | 'unreadable'; readonly path: string; readonly detail: string };

/** Largest file the collector reads; /proc and /sys files are far smaller. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Read-only view of a machine's `/sys`, `/proc` and `/etc`, rooted at `root` (`/` on a live
 * host, a captured directory in tests). Synchronous on purpose: every read is a small
 * pseudo-file and the collector runs once at agent start.
 */
export class RootFs {
  constructor(readonly root: string) {}

  /** Where `path` (absolute, as on the machine) lives on this filesystem. */
  resolve(path: string): string {
    return this.root === '/' ? path : join(this.root, path);
  }

  /** Read a text file; a missing file and a permission error are distinct outcomes. */
  read(path: string): ReadResult {
    const full = this.resolve(path);
    try {
      const buf = readFileSync(full);
      const text = buf.subarray(0, MAX_FILE_BYTES).toString('utf8');
      return { ok: true, text, path };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
      return { ok: false, reason, path, detail: code ?? String(err) };
    }
  }

  /** The first line of a file, trimmed, or null when it cannot be read. */
  firstLine(path: string): string | null {
    const r = this.read(path);
    if (!r.ok) return null;
    return (r.text.split('\n')[0] ?? '').trim();
  }

  /** Names in a directory, sorted; empty when it does not exist. */
  list(path: string): string[] {
    try {
      return readdirSync(this.resolve(path)).sort();
    } catch {
      return [];
    }
  }

  /** Whether `path` exists (file, directory or link target). */
  exists(path: string): boolean {
    try {
      statSync(this.resolve(path));
      return true;
    } catch {
      return false;
    }
  }
}
