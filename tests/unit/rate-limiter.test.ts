import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../server/limits/rate-limiter.js';

describe('RateLimiter', () => {
  it('takes a cost of several tokens at once, or none, and says when that many are there', () => {
    const limiter = new RateLimiter(10, 20); // 10 per second, bursts of 20
    expect(limiter.take('k', 0, 15)).toBe(0);
    expect(limiter.take('k', 0, 10)).toBe(500); // 5 left: 5 more take 500 ms
    expect(limiter.take('k', 0, 5)).toBe(0); // the refusal took nothing
    expect(limiter.take('k', 0)).toBe(100);
    expect(limiter.take('k', 1_000, 10)).toBe(0);
    expect(limiter.take('other', 1_000, 20)).toBe(0);
  });
});
