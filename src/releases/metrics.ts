/**
 * Prometheus gauges for hard-fork readiness and data age, filled on each scrape:
 *   ovsb_fork_seconds_until{network, fork}             seconds until a scheduled fork (negative after it)
 *   ovsb_instances_not_fork_ready{network, fork}       live instances whose releases do not follow it
 *   ovsb_data_age_seconds{dataset}                     time since a bundled data set was last observed
 * so an alert can fire days ahead (e.g. not_fork_ready > 0 and seconds_until < 7 days).
 */
import { Gauge, type Registry } from 'prom-client';
import type { DatasetFreshness } from './freshness';

export interface ForkMetricsInput {
  readonly forks: readonly { readonly network: string; readonly fork: string; readonly secondsUntil: number; readonly notReady: number }[];
  readonly freshness: readonly DatasetFreshness[];
}

export function registerForkMetrics(registry: Registry, readInput: () => Promise<ForkMetricsInput>): void {
  // The three gauges are collected together: one read of the instances per scrape, not one per gauge.
  let inFlight: Promise<ForkMetricsInput> | undefined;
  const read = (): Promise<ForkMetricsInput> =>
    (inFlight ??= readInput().finally(() => setImmediate(() => (inFlight = undefined))));
  new Gauge({
    name: 'ovsb_fork_seconds_until',
    help: 'Seconds until a fork scheduled on a network activates (negative once it has).',
    labelNames: ['network', 'fork'] as const,
    registers: [registry],
    async collect() {
      const { forks } = await read();
      this.reset();
      for (const f of forks) this.set({ network: f.network, fork: f.fork }, f.secondsUntil);
    },
  });
  new Gauge({
    name: 'ovsb_instances_not_fork_ready',
    help: 'Live instances whose running releases do not follow a scheduled fork (upgrade them before it).',
    labelNames: ['network', 'fork'] as const,
    registers: [registry],
    async collect() {
      const { forks } = await read();
      this.reset();
      for (const f of forks) this.set({ network: f.network, fork: f.fork }, f.notReady);
    },
  });
  new Gauge({
    name: 'ovsb_data_age_seconds',
    help: 'Seconds since a bundled data set (releases, diversity shares, Lido relay allow-list) was last observed.',
    labelNames: ['dataset'] as const,
    registers: [registry],
    async collect() {
      const { freshness } = await read();
      this.reset();
      for (const d of freshness) this.set({ dataset: d.dataset }, d.ageSeconds);
    },
  });
}
