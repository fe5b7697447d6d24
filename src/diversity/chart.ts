/**
 * Server-side SVG bar chart of one layer's client shares: per client a network-wide bar (published data)
 * and, when the layer carries the operator's ledger, an operator bar (this broker's validators), with the
 * warn and refuse thresholds drawn across. Without operator data nothing about the operator is drawn or
 * written. Pure and deterministic (same report, same SVG), no scripts, every text XML-escaped.
 */
import type { Layer } from './data';
import type { ClientShare, ShownLayer } from './report';
import type { DiversityStatus } from './status';

export interface ShareChartProps {
  readonly network: string;
  readonly layer: Layer;
  readonly report: ShownLayer;
  readonly thresholds: { readonly warn: number; readonly refuse: number };
  /** A client to mark (an instance's own). @default none */
  readonly highlight?: string;
}

export const STATUS_COLOURS: Readonly<Record<DiversityStatus, string>> = {
  unknown: '#9e9e9e',
  minority: '#2e7d32',
  warn: '#f9a825',
  majority: '#ef6c00',
  supermajority: '#c62828',
};

const WIDTH = 640;
const LABEL_WIDTH = 110;
const VALUE_WIDTH = 60;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
const BAR_HEIGHT = 12;
const ROW_HEIGHT = 2 * BAR_HEIGHT + 12;
const TOP = 34;
const LEGEND_HEIGHT = 26;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
const x = (share: number): number => LABEL_WIDTH + Math.round(Math.min(1, Math.max(0, share)) * PLOT_WIDTH * 10) / 10;

/** Clients of both scopes, in the order of the larger of their two shares. */
function rows(report: ShownLayer): { client: string; network?: ClientShare; operator?: ClientShare }[] {
  const byClient = new Map<string, { client: string; network?: ClientShare; operator?: ClientShare }>();
  for (const share of report.network?.clients ?? []) byClient.set(share.client, { client: share.client, network: share });
  for (const share of report.operator?.clients ?? []) byClient.set(share.client, { ...byClient.get(share.client), client: share.client, operator: share });
  const top = (r: { network?: ClientShare; operator?: ClientShare }) => Math.max(r.network?.share ?? 0, r.operator?.share ?? 0);
  return [...byClient.values()].sort((a, b) => top(b) - top(a) || a.client.localeCompare(b.client));
}

function bar(kind: 'network' | 'operator', share: ClientShare, y: number): string {
  const width = Math.max(0, x(share.share) - LABEL_WIDTH);
  const fill = STATUS_COLOURS[share.status];
  const pattern = kind === 'operator' ? ' fill-opacity="0.55" stroke-width="1"' : '';
  return (
    `<rect class="bar bar-${kind}" data-client="${escapeXml(share.client)}" data-scope="${kind}" data-share="${share.share}" data-status="${share.status}" ` +
    `x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${fill}" stroke="${fill}"${pattern}>` +
    `<title>${escapeXml(`${share.client}, ${kind === 'network' ? 'network-wide' : "this operator's validators"}: ${pct(share.share)} (${share.status})`)}</title></rect>` +
    `<text class="value" x="${x(share.share) + 4}" y="${y + BAR_HEIGHT - 2}" font-size="10">${pct(share.share)}</text>`
  );
}

export function shareChartSvg(props: ShareChartProps): string {
  const { network, layer, report, thresholds } = props;
  const data = rows(report);
  const height = TOP + Math.max(1, data.length) * ROW_HEIGHT + LEGEND_HEIGHT;
  const id = `chart-${escapeXml(network)}-${layer}`;
  const title = `${network} ${layer} client shares`;
  const operatorPart = (r: { operator?: ClientShare }): string =>
    report.operator === undefined ? '' : `, ${r.operator ? `${pct(r.operator.share)} of this operator's validators` : "none of this operator's validators"}`;
  const description = data
    .map((r) => `${r.client}: ${r.network ? `${pct(r.network.share)} network-wide` : 'no published share'}${operatorPart(r)}`)
    .join('; ');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="share-chart" id="${id}" data-network="${escapeXml(network)}" data-layer="${layer}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="${id}-title ${id}-desc" font-family="sans-serif">`,
    `<title id="${id}-title">${escapeXml(title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(description || 'no data')}</desc>`,
    `<text x="0" y="14" font-size="13" font-weight="bold">${escapeXml(`${layer[0]!.toUpperCase()}${layer.slice(1)} layer`)}</text>`,
  ];
  data.forEach((row, index) => {
    const y = TOP + index * ROW_HEIGHT;
    const marked = props.highlight === row.client;
    parts.push(
      `<text class="label" x="${LABEL_WIDTH - 6}" y="${y + BAR_HEIGHT + 3}" font-size="12" text-anchor="end"${marked ? ' font-weight="bold"' : ''}>${escapeXml(marked ? `▶ ${row.client}` : row.client)}</text>`,
    );
    if (row.network) parts.push(bar('network', row.network, y));
    if (row.operator) parts.push(bar('operator', row.operator, y + BAR_HEIGHT + 2));
  });
  const plotBottom = TOP + Math.max(1, data.length) * ROW_HEIGHT - 6;
  for (const [name, share] of [['warn', thresholds.warn], ['refuse', thresholds.refuse]] as const) {
    parts.push(
      `<line class="threshold threshold-${name}" x1="${x(share)}" x2="${x(share)}" y1="${TOP - 12}" y2="${plotBottom}" stroke="${name === 'warn' ? STATUS_COLOURS.warn : STATUS_COLOURS.supermajority}" stroke-dasharray="4 3"/>`,
      `<text x="${x(share) + 3}" y="${TOP - 14}" font-size="10">${name} ${pct(share)}</text>`,
    );
  }
  const legendY = plotBottom + 18;
  parts.push(
    `<rect x="${LABEL_WIDTH}" y="${legendY - 9}" width="14" height="9" fill="#607d8b"/><text x="${LABEL_WIDTH + 18}" y="${legendY}" font-size="10">network-wide${report.network ? ` (${escapeXml(report.network.source)}, ${escapeXml(report.network.date)})` : ': no published data'}</text>`,
    ...(report.operator === undefined
      ? []
      : [
          `<rect x="${LABEL_WIDTH}" y="${legendY + 3}" width="14" height="9" fill="#607d8b" fill-opacity="0.55"/><text x="${LABEL_WIDTH + 18}" y="${legendY + 11}" font-size="10">this operator (${report.operator.validators} validators)</text>`,
        ]),
    '</svg>',
  );
  return parts.join('');
}
