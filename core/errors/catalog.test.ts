import { describe, expect, it } from 'vitest';
import { ACTORS, CATEGORIES, LAYERS, listErrorCodes, lookupErrorCode, problemFromCode, StarlingError } from '../index.js';

describe('error catalogue', () => {
  const entries = listErrorCodes();

  it('is non-empty and every code names a known layer and category', () => {
    expect(entries.length).toBeGreaterThan(5);
    for (const e of entries) {
      expect(e.code).toBe(`${e.layer}-${e.category}-${e.name}`);
      expect(LAYERS).toContain(e.layer);
      expect(CATEGORIES).toContain(e.category);
      expect(ACTORS).toContain(e.actor);
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(600);
      expect(e.title.length).toBeGreaterThan(0);
      expect(e.remedy.length).toBeGreaterThan(10);
    }
  });

  it('renders message templates from params and leaves unknown placeholders visible', () => {
    const err = new StarlingError('PROXY-USR-BODY_TOO_LARGE', { limit: 10 });
    expect(err.message).toBe('The request body exceeds the limit of 10 bytes.');
    expect(new StarlingError('PROXY-USR-BODY_TOO_LARGE').message).toContain('{limit}');
  });

  it('looks codes up without parsing messages', () => {
    expect(lookupErrorCode('PROXY-UNK-UNEXPECTED')?.category).toBe('UNK');
    expect(lookupErrorCode('PROXY-USR-NOT_A_CODE')).toBeUndefined();
  });

  it('builds problem documents with every required member', () => {
    const doc = problemFromCode('PROXY-DEP-DATABASE_UNAVAILABLE', { reason: 'refused' }, { cause: 'db down' }, 'urn:x');
    expect(doc).toMatchObject({
      type: '/v1/error-codes/PROXY-DEP-DATABASE_UNAVAILABLE',
      status: 503,
      detail: 'The database did not answer: refused',
      instance: 'urn:x',
      layer: 'PROXY',
      category: 'DEP',
      retryable: true,
      cause: 'db down',
    });
  });
});
