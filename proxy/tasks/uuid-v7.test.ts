import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuid-v7.js';

describe('uuidv7', () => {
  it('is a valid version-7 UUID, strictly increasing even within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7(1_800_000_000_000));
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(uuidv7(Date.now() + 1000) > ids.at(-1)!).toBe(true);
  });
});
