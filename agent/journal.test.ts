import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type RunResultFrame } from '../protocol/index.js';
import { Journal } from './journal.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'journal-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const result = (runId: string): RunResultFrame => ({
  type: 'run.result', v: PROTOCOL_VERSION, runId, taskId: 't', outcome: 'SUCCEEDED', exitCode: 0, signal: null, durationMs: 1,
  startedAt: 1, finishedAt: 2, stdout: 'out', stderr: '', stdoutTruncated: false, stderrTruncated: false, error: null,
});

describe('Journal', () => {
  it('after a reopen: finished runs are still unreported, started ones become interrupted, acked ones are remembered', () => {
    const dir = tmp();
    const j = Journal.open({ dir });
    j.start('done', 't', Date.now() + 60_000);
    j.finish('done', result('done'));
    j.start('running', 't', Date.now() + 60_000);
    j.start('acked', 't', Date.now() + 60_000);
    j.finish('acked', result('acked'));
    j.acked(['acked']);
    j.close(); // as if the process died here

    const again = Journal.open({ dir });
    expect(again.interrupted).toEqual(['running']);
    const unreported = again.unreported();
    expect(unreported.map((r) => r.runId).sort()).toEqual(['done', 'running']);
    expect(unreported.find((r) => r.runId === 'running')?.error?.code).toBe('AGENT-ENV-INTERRUPTED');
    expect(again.get('acked')?.state).toBe('acked');
    again.close();

    // A third open does not turn the interrupted run into something else.
    const third = Journal.open({ dir });
    expect(third.interrupted).toEqual([]);
    expect(third.get('running')?.result?.error?.code).toBe('AGENT-ENV-INTERRUPTED');
    third.close();
  });

  it('ignores a torn last line', () => {
    const dir = tmp();
    const j = Journal.open({ dir });
    j.start('a', 't', Date.now() + 60_000);
    j.finish('a', result('a'));
    j.close();
    appendFileSync(join(dir, 'journal.jsonl'), '{"t":"start","runId":"b","ta');
    const again = Journal.open({ dir });
    expect(again.get('a')?.state).toBe('done');
    expect(again.get('b')).toBeUndefined();
    again.close();
  });

  it('compacts: the file stays small, expired ids are dropped, live ones kept', () => {
    const dir = tmp();
    let now = 1_000_000;
    const j = Journal.open({ dir, compactEvery: 50, now: () => now });
    for (let i = 0; i < 200; i++) {
      j.start(`r${i}`, 't', now + (i < 150 ? 10 : 1_000_000));
      j.finish(`r${i}`, result(`r${i}`));
      j.acked([`r${i}`]);
    }
    j.start('live', 't', now + 1_000_000);
    now += 100; // the first 150 ids expire
    j.compact();
    const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(51);
    expect(j.get('r0')).toBeUndefined();
    expect(j.get('r199')?.state).toBe('acked');
    j.close();
    const again = Journal.open({ dir, now: () => now });
    expect(again.get('r199')?.state).toBe('acked');
    expect(again.interrupted).toEqual(['live']);
    again.close();
  });
});
