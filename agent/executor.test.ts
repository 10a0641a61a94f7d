import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSigningKey, type RunResultFrame } from '../protocol/index.js';
import { makeDispatch } from '../protocol/test-fixtures.js';
import { Executor } from './executor.js';

describe('Executor', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sets no timer while idle: the watchdog runs only while it holds runs', async () => {
    const armed = new Set<unknown>();
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    const results: RunResultFrame[] = [];
    const executor = new Executor({ watchdogMs: 20, onResult: (r) => results.push(r) });
    const watchdogs = () => setSpy.mock.results.map((r) => r.value).filter((t) => !clearSpy.mock.calls.some(([c]) => c === t));
    try {
      expect(setSpy).not.toHaveBeenCalled();
      executor.submit(makeDispatch(generateSigningKey(), { agentId: 'a', command: 'sleep 0.2' }));
      expect(setSpy).toHaveBeenCalledTimes(1);
      for (const t of watchdogs()) armed.add(t);
      expect(armed.size).toBe(1);
      for (let i = 0; i < 300 && (results.length === 0 || watchdogs().length > 0); i++) await new Promise((r) => setTimeout(r, 10));
      expect(results.map((r) => r.outcome)).toEqual(['SUCCEEDED']);
      expect(watchdogs()).toEqual([]); // disarmed after the run: nothing wakes an idle agent
      executor.submit(makeDispatch(generateSigningKey(), { agentId: 'a', command: 'true' }));
      expect(setSpy).toHaveBeenCalledTimes(2); // armed again for the next run
    } finally {
      executor.close();
    }
  });
});
