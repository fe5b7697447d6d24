/**
 * The gateway's memory of the broker's answers.
 *
 * TokenCache: introspection results keyed by the token's sha256 (the token itself is not kept). A live
 * token is trusted for `positiveMs` after the broker said so, which is the revocation bound: an unbind or
 * deprovision answered at time T cuts the token off by T + positiveMs. Inactive answers are kept for
 * `negativeMs` (shorter), so a burst of bad tokens costs the broker one lookup each. Lookups of the same
 * token at once share one request.
 *
 * InstanceCache: each instance's node URLs and limits for `ttlMs`, with the operator's overrides applied.
 */
import { createHash } from 'node:crypto';
import type { Upstreams } from '../service/gateway-directory';
import type { BrokerApi, InstanceInfo, TokenInfo } from './broker-client';

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/** Time-limited entries with a size bound (oldest first out) and shared in-flight loads. */
class ExpiringCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly loading = new Map<string, Promise<T>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  async get(key: string, load: () => Promise<T>, ttlOf: (value: T) => number): Promise<{ value: T; hit: boolean }> {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt > this.now()) return { value: entry.value, hit: true };
    if (entry !== undefined) this.entries.delete(key);
    let pending = this.loading.get(key);
    if (pending === undefined) {
      pending = load().then(
        (value) => {
          this.loading.delete(key);
          const ttl = ttlOf(value);
          if (ttl > 0) {
            if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
            this.entries.set(key, { value, expiresAt: this.now() + ttl });
          }
          return value;
        },
        (error: unknown) => {
          this.loading.delete(key);
          throw error;
        },
      );
      this.loading.set(key, pending);
    }
    return { value: await pending, hit: false };
  }

  get size(): number {
    return this.entries.size;
  }
}

export const tokenKey = (token: string): string => createHash('sha256').update(token, 'utf8').digest('base64url');

export interface TokenCacheOptions {
  /** The revocation bound. */
  readonly positiveMs: number;
  /** @default min(positiveMs, 2000) */
  readonly negativeMs?: number;
  /** @default 100_000 */
  readonly maxEntries?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export class TokenCache {
  private readonly cache: ExpiringCache<TokenInfo>;
  private readonly positiveMs: number;
  private readonly negativeMs: number;

  constructor(
    private readonly broker: Pick<BrokerApi, 'introspect'>,
    options: TokenCacheOptions,
  ) {
    this.positiveMs = options.positiveMs;
    this.negativeMs = options.negativeMs ?? Math.min(options.positiveMs, 2_000);
    this.cache = new ExpiringCache(options.maxEntries ?? 100_000, options.now ?? Date.now);
  }

  /** `hit`: answered from memory. */
  lookup(token: string): Promise<{ value: TokenInfo; hit: boolean }> {
    return this.cache.get(tokenKey(token), () => this.broker.introspect(token), (info) => (info.active ? this.positiveMs : this.negativeMs));
  }

  get size(): number {
    return this.cache.size;
  }
}

export class InstanceCache {
  private readonly cache: ExpiringCache<InstanceInfo | undefined>;

  constructor(
    private readonly broker: Pick<BrokerApi, 'instance'>,
    private readonly options: { readonly ttlMs: number; readonly overrides: ReadonlyMap<string, Upstreams>; readonly now?: () => number },
  ) {
    this.cache = new ExpiringCache(10_000, options.now ?? Date.now);
  }

  async lookup(instanceId: string): Promise<InstanceInfo | undefined> {
    const { value } = await this.cache.get(instanceId, () => this.broker.instance(instanceId), (info) => (info === undefined ? Math.min(this.options.ttlMs, 2_000) : this.options.ttlMs));
    const override = this.options.overrides.get(instanceId);
    return value === undefined || override === undefined ? value : { ...value, upstreams: { ...value.upstreams, ...override } };
  }
}
