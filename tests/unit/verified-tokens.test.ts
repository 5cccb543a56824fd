import { describe, expect, it } from 'vitest';
import { VerifiedTokens } from '../../server/auth/verified-tokens.js';
import type { Viewer } from '../../server/auth/viewer.js';

const viewer = (expiresAt?: number): Viewer => ({ userId: 'alice', name: null, isService: false, expiresAt });

describe('VerifiedTokens', () => {
  it('answers a token verified before, until its exp (checked on every use)', () => {
    const cache = new VerifiedTokens();
    cache.remember('t', viewer(100), 50_000);
    expect(cache.get('t', 99_000)).toEqual(viewer(100));
    expect(cache.get('t', 100_000)).toBeUndefined();
    expect(cache.get('t', 50_000)).toBeUndefined(); // forgotten once expired
  });

  it('verifies again after its maximum age, and forgets the oldest past its size', () => {
    const cache = new VerifiedTokens(2, 1_000);
    cache.remember('a', viewer(), 0);
    expect(cache.get('a', 1_000)).toEqual(viewer());
    expect(cache.get('a', 1_001)).toBeUndefined();
    cache.remember('a', viewer(), 0);
    cache.remember('b', viewer(), 0);
    cache.remember('c', viewer(), 0);
    expect([cache.get('a', 0), cache.get('b', 0), cache.get('c', 0)]).toEqual([undefined, viewer(), viewer()]);
  });
});
