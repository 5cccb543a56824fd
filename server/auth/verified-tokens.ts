import type { Viewer } from './viewer.js';

/**
 * Tokens already verified, so that a backend publishing with the same token, or a client reconnecting with
 * it, costs a map lookup instead of a signature check (which was about a sixth of a publish's CPU). Only what
 * cannot change is remembered: a token's signature and claims are fixed, and its expiry is checked again on
 * every use. Bounded in entries (oldest dropped first) and in age.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { viewer: Viewer; at: number }>();

  constructor(
    private readonly max = 10_000,
    private readonly maxAgeMs = 5 * 60_000,
  ) {}

  /** The viewer of a token verified before, unless it expired since or was verified too long ago. */
  get(token: string, now = Date.now()): Viewer | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    const expiresAt = entry.viewer.expiresAt;
    if (now - entry.at > this.maxAgeMs || (expiresAt !== undefined && expiresAt * 1000 <= now)) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.viewer;
  }

  remember(token: string, viewer: Viewer, now = Date.now()): void {
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { viewer, at: now });
  }
}
