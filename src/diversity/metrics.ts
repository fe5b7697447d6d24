/**
 * Prometheus gauges of the shares, computed on each scrape from the data in use and the live ledger:
 *   ovsb_client_share{network, layer, scope, client}          0..1
 *   ovsb_diversity_data_timestamp_seconds{network, layer}      when the published shares were measured
 * The second lets an alert fire when the published data goes stale.
 */
import { Gauge, type Registry } from 'prom-client';
import type { DiversityData } from './data';
import type { LedgerEntry } from './ledger';
import { shareRows } from './report';

export interface DiversityMetricsInput {
  readonly data: DiversityData;
  readonly ledger: readonly LedgerEntry[];
}

export function registerDiversityMetrics(registry: Registry, read: () => DiversityMetricsInput | Promise<DiversityMetricsInput>): void {
  new Gauge({
    name: 'ovsb_diversity_data_timestamp_seconds',
    help: 'Unix time of the day the published network-wide shares were measured.',
    labelNames: ['network', 'layer'] as const,
    registers: [registry],
    async collect() {
      const input = await read();
      this.reset();
      for (const [network, layers] of Object.entries(input.data.networks)) {
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
      const input = await read();
      this.reset();
      for (const row of shareRows(input.data, input.ledger)) {
        this.set({ network: row.network, layer: row.layer, scope: row.scope, client: row.client }, row.share);
      }
    },
  });
}
