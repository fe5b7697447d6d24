/** The SVG share chart and the dashboard page, as pure functions of a report. */
import { describe, expect, it } from 'vitest';
import { escapeXml, shareChartSvg, STATUS_COLOURS } from '../../src/diversity/chart';
import { dashboardPage } from '../../src/diversity/dashboard-page';
import type { LayerReport } from '../../src/diversity/report';

const REPORT: LayerReport = {
  network: {
    source: 'Crawler <A&B>',
    url: 'https://example.org/x.json',
    date: '2026-08-21',
    clients: [
      { client: 'lighthouse', share: 0.51, status: 'majority' },
      { client: 'prysm', share: 0.2, status: 'minority' },
      { client: 'other', share: 0.29, status: 'minority' },
    ],
  },
  operator: { validators: 4, clients: [{ client: 'teku', share: 0.75, status: 'supermajority' }, { client: 'prysm', share: 0.25, status: 'minority' }] },
};

const svg = shareChartSvg({ network: 'mainnet', layer: 'consensus', report: REPORT, thresholds: { warn: 0.33, refuse: 0.66 }, highlight: 'teku' });
const bars = (scope: string) => [...svg.matchAll(new RegExp(`<rect class="bar bar-${scope}" data-client="([^"]+)" data-scope="${scope}" data-share="([^"]+)" data-status="([^"]+)"[^>]*width="([^"]+)"`, 'g'))].map((m) => ({ client: m[1], share: Number(m[2]), status: m[3], width: Number(m[4]) }));

describe('GIVEN a consensus report WHEN charted', () => {
  it('THEN there is one network-wide bar per published client and one operator bar per operator client, widths proportional to shares', () => {
    expect(bars('network').map((b) => b.client)).toEqual(['lighthouse', 'other', 'prysm']);
    expect(bars('operator').map((b) => b.client)).toEqual(['teku', 'prysm']);
    const lighthouse = bars('network').find((b) => b.client === 'lighthouse')!;
    const prysm = bars('network').find((b) => b.client === 'prysm')!;
    expect(lighthouse.width / prysm.width).toBeCloseTo(0.51 / 0.2, 1);
  });

  it('THEN bars are coloured by status and both thresholds are drawn', () => {
    expect(svg).toContain(`data-client="lighthouse" data-scope="network" data-share="0.51" data-status="majority"`);
    expect(svg).toMatch(new RegExp(`data-client="teku"[^>]*fill="${STATUS_COLOURS.supermajority}"`));
    expect(svg).toContain('class="threshold threshold-warn"');
    expect(svg).toContain('class="threshold threshold-refuse"');
    expect(svg).toContain('warn 33.0%');
    expect(svg).toContain('refuse 66.0%');
  });

  it('THEN it is accessible, escapes text and marks the highlighted client', () => {
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="chart-mainnet-consensus-title chart-mainnet-consensus-desc"/);
    expect(svg).toContain('<title id="chart-mainnet-consensus-title">mainnet consensus client shares</title>');
    expect(svg).toContain('lighthouse: 51.0% network-wide');
    expect(svg).toContain('Crawler &lt;A&amp;B&gt;');
    expect(svg).not.toContain('<A&B>');
    expect(svg).toContain('▶ teku');
    expect(svg).toContain('this operator (4 validators)');
  });

  it('THEN the same report gives the same SVG', () => {
    expect(shareChartSvg({ network: 'mainnet', layer: 'consensus', report: REPORT, thresholds: { warn: 0.33, refuse: 0.66 }, highlight: 'teku' })).toBe(svg);
  });

  it('escapeXml escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});

describe('GIVEN a layer without operator data (the public dashboard) WHEN charted', () => {
  const published = shareChartSvg({ network: 'mainnet', layer: 'consensus', report: { network: REPORT.network! }, thresholds: { warn: 0.33, refuse: 0.66 } });

  it('THEN only network-wide bars are drawn and nothing names the operator', () => {
    expect(published.match(/class="bar bar-network"/g)).toHaveLength(3);
    expect(published).not.toContain('bar-operator');
    expect(published).not.toMatch(/operator|validators/);
    expect(published).toContain('lighthouse: 51.0% network-wide; other: 29.0% network-wide; prysm: 20.0% network-wide');
  });
});

describe('GIVEN the dashboard tables', () => {
  const props = (operator: boolean) => ({
    title: 'Client diversity',
    report: { networks: { mainnet: { consensus: operator ? REPORT : { network: REPORT.network! }, execution: {} } } },
    thresholds: { mainnet: { warn: 0.33, refuse: 0.66 } },
  });

  it('WHEN public THEN the status column is the network-wide status and there are no operator columns or words', () => {
    const page = dashboardPage(props(false));
    expect(page).toContain('<th scope="col">client</th><th scope="col">network-wide</th><th scope="col">status (network-wide)</th></tr>');
    expect(page).toContain('<tr><th scope="row">lighthouse</th><td>51.0%</td><td>majority</td></tr>');
    expect(page).not.toMatch(/operator|teku/);
  });

  it("WHEN the operator's view THEN each scope has its own status column, and a client without a published share has no network-wide status", () => {
    const page = dashboardPage(props(true));
    expect(page).toContain('<th scope="col">status (network-wide)</th><th scope="col">this operator</th><th scope="col">status (this operator)</th>');
    // teku: 75% of the operator's validators (supermajority there), no published share.
    expect(page).toContain('<tr><th scope="row">teku</th><td>—</td><td>—</td><td>75.0%</td><td>supermajority</td></tr>');
    expect(page).toContain('<tr><th scope="row">prysm</th><td>20.0%</td><td>minority</td><td>25.0%</td><td>minority</td></tr>');
    expect(page).toContain("across this operator's validators");
  });
});

describe('GIVEN a report of two networks and an instance WHEN the page is built', () => {
  const page = dashboardPage({
    title: 'Client diversity: instance i-1',
    report: { networks: { mainnet: { consensus: REPORT, execution: { operator: { validators: 0, clients: [] } } }, hoodi: { consensus: REPORT, execution: REPORT } } },
    thresholds: { mainnet: { warn: 0.33, refuse: 0.66 } },
    instance: { id: 'i-1', network: 'hoodi', planName: 'validator-sandbox-hoodi', serviceName: 'ovsb-geth-teku', state: 'provisioned', execution: 'geth', consensus: 'teku' },
  });

  it('THEN it is a self-contained page: no scripts, no external resources', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toMatch(/<script|<link|src=|@import|url\(/i);
  });

  it("THEN the instance's network comes first and its section names its clients, never its parameters", () => {
    expect(page.indexOf('id="network-hoodi"')).toBeLessThan(page.indexOf('id="network-mainnet"'));
    expect(page).toContain('<dt>Consensus client</dt><dd>teku (no published share)</dd>');
    expect(page.match(/<svg /g)).toHaveLength(4);
    expect(page).toContain('<caption>hoodi consensus shares</caption>');
  });
});
