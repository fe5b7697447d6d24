/**
 * Prometheus gauges of the shares, computed on each scrape from the data in use and the live ledger:
 *   ovsb_client_share{network, layer, scope, client}          0..1
 *   ovsb_diversity_data_timestamp_seconds{network, layer}      when the published shares were measured
 * The second lets an alert fire when the published data goes stale.
 *
 * A scrape reads its input once (the ledger is a storage query) and every gauge is filled from that one
 * read; `scrape()` is the way to render the registry. A bare `registry.metrics()` also works, with one
 * read per gauge.
 */
import { Gauge, type Registry } from 'prom-client';
import type { DiversityData } from './data';
import type { LedgerEntry } from './ledger';
import { shareRows } from './report';

export interface DiversityMetricsInput {
  readonly data: DiversityData;
  readonly ledger: readonly LedgerEntry[];
}

export interface DiversityMetrics {
  /** Reads the input once and renders every metric of the registry (Prometheus text). */
  scrape(): Promise<string>;
}

export function registerDiversityMetrics(registry: Registry, read: () => DiversityMetricsInput | Promise<DiversityMetricsInput>): DiversityMetrics {
  // The input of the scrape in progress; gauges collected outside scrape() read for themselves.
  let scraping: Promise<DiversityMetricsInput> | undefined;
  const input = (): Promise<DiversityMetricsInput> => scraping ?? Promise.resolve(read());
  new Gauge({
    name: 'ovsb_diversity_data_timestamp_seconds',
    help: 'Unix time of the day the published network-wide shares were measured.',
    labelNames: ['network', 'layer'] as const,
    registers: [registry],
    async collect() {
      const { data } = await input();
      this.reset();
      for (const [network, layers] of Object.entries(data.networks)) {
        for (const [layer, snapshot] of Object.entries(layers ?? {})) {
          if (snapshot) this.set({ network, layer }, Date.parse(`${snapshot.date}T00:00:00Z`) / 1000);
        }
      }
    },
  });
  new Gauge({
    name: 'ovsb_client_share',
    help: 'Share of a client in its layer: network-wide as published, or across this operator\'s validators.',
    labelNames: ['network', 'layer', 'scope', 'client'] as const,
    registers: [registry],
    async collect() {
      const { data, ledger } = await input();
      this.reset();
      for (const row of shareRows(data, ledger)) {
        this.set({ network: row.network, layer: row.layer, scope: row.scope, client: row.client }, row.share);
      }
    },
  });
  return {
    async scrape() {
      const mine = Promise.resolve().then(read);
      scraping = mine;
      try {
        await mine;
        return await registry.metrics();
      } finally {
        // An overlapping scrape may have replaced it; that one clears its own.
        if (scraping === mine) scraping = undefined;
      }
    },
  };
}
