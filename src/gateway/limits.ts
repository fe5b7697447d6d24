/**
 * Protection of the nodes: token buckets (sustained rate + burst) and in-flight counters, per key (a
 * binding, or a client address for failed token checks). Idle buckets that are full again are dropped,
 * so memory follows the active keys, not every key ever seen.
 */

interface Bucket {
  tokens: number;
  updatedAt: number;
  perSecond: number;
  burst: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.lastSweep = now();
  }

  /**
   * Takes `cost` from the key's bucket (refilled at `perSecond`, holding at most `burst`). False, and
   * nothing taken, when it holds less.
   */
  take(key: string, cost: number, perSecond: number, burst: number): boolean {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedAt: now, perSecond, burst };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = now;
    bucket.perSecond = perSecond;
    bucket.burst = burst;
    this.buckets.set(key, bucket);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  /** Whether the key's bucket holds at least one (nothing taken). */
  has(key: string, perSecond: number, burst: number): boolean {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return burst >= 1;
    return Math.min(burst, bucket.tokens + ((this.now() - bucket.updatedAt) / 1000) * perSecond) >= 1;
  }

  /** Seconds until `cost` is available (for Retry-After), at least 1. */
  retryAfterSec(key: string, cost: number, perSecond: number): number {
    const bucket = this.buckets.get(key);
    const missing = cost - (bucket?.tokens ?? 0);
    return Math.max(1, Math.ceil(missing / perSecond));
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Once a minute, drops buckets that have refilled completely (they are the same as absent). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * bucket.perSecond >= bucket.burst) this.buckets.delete(key);
    }
  }
}

/** In-flight requests (or open connections) per key. */
export class ConcurrencyLimiter {
  private readonly counts = new Map<string, number>();

  /** A release function, or undefined when `limit` are in flight already. */
  acquire(key: string, limit: number): (() => void) | undefined {
    const current = this.counts.get(key) ?? 0;
    if (current >= limit) return undefined;
    this.counts.set(key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left <= 0) this.counts.delete(key);
      else this.counts.set(key, left);
    };
  }

  get size(): number {
    return this.counts.size;
  }
}
