/**
 * The diversity dashboard: one self-contained HTML page (inline CSS, server-rendered SVG charts, no
 * scripts, fonts or CDN) showing each network's client shares, and, for an instance's OSB dashboard_url,
 * where that instance's clients stand. The operator's own shares appear only where the report carries
 * them (the authenticated operator view); the public page is built from published data alone.
 * Pure: report in, HTML out.
 */
import type { Network } from '../../modules/clients/types';
import { escapeXml, shareChartSvg, STATUS_COLOURS } from './chart';
import { LAYERS } from './data';
import type { ShownLayer, ShownReport } from './report';
import { STATUS_ORDER } from './status';

export interface DashboardInstance {
  /** The instance's opaque dashboard id (the page is public: never the OSB instance id). */
  readonly id: string;
  readonly network: Network;
  readonly planName: string;
  readonly serviceName: string;
  /** e.g. provisioned, provisioning. */
  readonly state: string;
  readonly execution: string;
  readonly consensus: string;
}

export interface DashboardPageProps {
  readonly title: string;
  /** Published shares, and the operator's ledger only for the operator view. */
  readonly report: ShownReport;
  readonly thresholds: Readonly<Partial<Record<Network, { readonly warn: number; readonly refuse: number }>>>;
  /** Shows this instance first, its clients marked. @default none */
  readonly instance?: DashboardInstance;
  /** Scheduled forks with the time left (and, in the operator view, how many instances are ready). @default none */
  readonly forks?: readonly DashboardFork[];
}

export interface DashboardFork {
  readonly network: string;
  /** `Glamsterdam (Amsterdam/Gloas)` */
  readonly fork: string;
  readonly time: string;
  readonly secondsUntil: number;
  /** Operator view only. @default none */
  readonly instances?: { readonly ready: number; readonly notReady: number };
}

function forksSection(forks: readonly DashboardFork[]): string {
  if (forks.length === 0) return '';
  const rows = forks
    .map((f) => {
      const days = f.secondsUntil / 86_400;
      const left = f.secondsUntil <= 0 ? 'activated' : days >= 1 ? `in ${Math.floor(days)} days` : `in ${Math.ceil(f.secondsUntil / 3600)} hours`;
      const instances = f.instances === undefined ? '' : `<td>${f.instances.ready} ready, ${f.instances.notReady} need an upgrade</td>`;
      return `<tr><td>${escapeXml(f.network)}</td><td>${escapeXml(f.fork)}</td><td>${escapeXml(f.time)}</td><td>${left}</td>${instances}</tr>`;
    })
    .join('');
  const instancesHead = forks.some((f) => f.instances !== undefined) ? '<th>instances</th>' : '';
  return `<section class="forks" id="forks"><h2>Scheduled forks</h2><p>Nodes whose releases do not schedule a fork leave the chain when it activates.</p><table class="shares"><tr><th>network</th><th>fork</th><th>time (UTC)</th><th>time left</th>${instancesHead}</tr>${rows}</table></section>`;
}

const DEFAULT_THRESHOLDS = { warn: 0.33, refuse: 0.66 };
const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;

const cell = (share: number | undefined): string => (share === undefined ? '—' : pct(share));

function table(network: string, layer: string, report: ShownLayer): string {
  // Each status column is its own scope's: a client without a published share has no network-wide status.
  const clients = new Map<string, { network?: { share: number; status: string }; operator?: { share: number; status: string } }>();
  for (const c of report.network?.clients ?? []) clients.set(c.client, { network: c });
  for (const c of report.operator?.clients ?? []) clients.set(c.client, { ...clients.get(c.client), operator: c });
  const withOperator = report.operator !== undefined;
  const rows = [...clients.entries()]
    .map(
      ([client, v]) =>
        `<tr><th scope="row">${escapeXml(client)}</th><td>${cell(v.network?.share)}</td><td>${escapeXml(v.network?.status ?? '—')}</td>` +
        (withOperator ? `<td>${cell(v.operator?.share)}</td><td>${escapeXml(v.operator?.status ?? '—')}</td>` : '') +
        '</tr>',
    )
    .join('');
  const operatorHeads = withOperator ? '<th scope="col">this operator</th><th scope="col">status (this operator)</th>' : '';
  return (
    `<table class="shares"><caption>${escapeXml(`${network} ${layer} shares`)}</caption>` +
    `<thead><tr><th scope="col">client</th><th scope="col">network-wide</th><th scope="col">status (network-wide)</th>${operatorHeads}</tr></thead>` +
    `<tbody>${rows}</tbody></table>`
  );
}

function instanceSection(instance: DashboardInstance, report: ShownReport): string {
  const layers = report.networks[instance.network];
  const standing = (layer: 'execution' | 'consensus', client: string) => {
    const share = layers?.[layer].network?.clients.find((c) => c.client === client);
    return share ? `${pct(share.share)} network-wide, ${share.status}` : 'no published share';
  };
  return (
    `<section class="instance" id="instance"><h2>This instance</h2><dl>` +
    `<dt>Service</dt><dd>${escapeXml(instance.serviceName)}</dd><dt>Plan</dt><dd>${escapeXml(instance.planName)}</dd>` +
    `<dt>State</dt><dd>${escapeXml(instance.state)}</dd>` +
    `<dt>Execution client</dt><dd>${escapeXml(instance.execution)} (${escapeXml(standing('execution', instance.execution))})</dd>` +
    `<dt>Consensus client</dt><dd>${escapeXml(instance.consensus)} (${escapeXml(standing('consensus', instance.consensus))})</dd>` +
    `</dl></section>`
  );
}

export function dashboardPage(props: DashboardPageProps): string {
  const { report, instance } = props;
  const networks = (Object.keys(report.networks) as Network[]).sort((a, b) =>
    a === instance?.network ? -1 : b === instance?.network ? 1 : a.localeCompare(b),
  );
  const sections = networks.map((network) => {
    const layers = report.networks[network]!;
    const thresholds = props.thresholds[network] ?? DEFAULT_THRESHOLDS;
    const charts = LAYERS.map((layer) => {
      const highlight = instance?.network === network ? instance[layer] : undefined;
      return (
        `<figure>${shareChartSvg({ network, layer, report: layers[layer], thresholds, ...(highlight !== undefined && { highlight }) })}` +
        `<figcaption>${table(network, layer, layers[layer])}</figcaption></figure>`
      );
    }).join('');
    return `<section class="network" id="network-${escapeXml(network)}"><h2>${escapeXml(network)}</h2><p>Warn at ${pct(thresholds.warn)}, refuse at ${pct(thresholds.refuse)} of a layer.</p>${charts}</section>`;
  });
  const withOperator = networks.some((network) => LAYERS.some((layer) => report.networks[network]![layer].operator !== undefined));
  const legend = STATUS_ORDER.map((s) => `<li><span class="swatch" style="background:${STATUS_COLOURS[s]}"></span>${s}</li>`).join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(props.title)}</title>`,
    '<style>body{font-family:sans-serif;margin:1.5rem;max-width:60rem;color:#212121}figure{margin:1rem 0}',
    'table.shares{border-collapse:collapse;font-size:.85rem;margin-top:.5rem}table.shares td,table.shares th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}',
    'ul.legend{list-style:none;padding:0;display:flex;gap:1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}',
    'svg{max-width:100%;height:auto}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}</style>',
    '</head><body>',
    `<h1>${escapeXml(props.title)}</h1>`,
    `<p>Share of each client in its layer: network-wide as published (source and date under each chart)${withOperator ? " and across this operator's validators" : ''}. A client above a third of the network can stop finality with a bug; above two thirds it can finalize a wrong chain.</p>`,
    `<ul class="legend">${legend}</ul>`,
    instance ? instanceSection(instance, report) : '',
    forksSection(props.forks ?? []),
    sections.length > 0 ? sections.join('') : '<p>No diversity data yet.</p>',
    '</body></html>',
  ].join('\n');
}
