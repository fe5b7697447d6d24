import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiversityDataSource, loadDiversityData, loadStartupData, type DiversityData, type RefreshTarget } from '../../src/diversity';
import { ConfigError } from '../../src/errors';
import { createLogger } from '../../src/log';
import { openDiversitySource, REFRESHED_DATA_FILE } from '../../src/service/diversity';
import { MIGALABS_SAMPLE } from './feeds';

/** A loopback server answering each path with a status and body. */
const routes = new Map<string, { status: number; body: string }>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const route = routes.get(request.url ?? '');
    if (route?.status === -1) return; // never answers: exercises the timeout
    response.writeHead(route?.status ?? 404, { 'content-type': 'application/json' });
    response.end(route?.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const INITIAL: DiversityData = {
  networks: {
    mainnet: {
      consensus: { source: 'shipped', url: 'https://example.org/migalabs.json', date: '2026-08-01', shares: { lighthouse: 0.55, prysm: 0.45 } },
    },
  },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ovsb-diversity-'));
  routes.clear();
  routes.set('/migalabs.json', { status: 200, body: JSON.stringify(MIGALABS_SAMPLE) });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const target = (path: string, overrides: Partial<RefreshTarget> = {}): RefreshTarget => ({
  network: 'mainnet',
  layer: 'consensus',
  url: `${base}${path}`,
  source: 'Miga Labs crawler via clientdiversity.org',
  ...overrides,
});

describe('DiversityDataSource.refresh', () => {
  it('replaces the layer with the newest entry and saves the data readable by the owner only', async () => {
    const persistPath = join(dir, 'diversity.json');
    const source = new DiversityDataSource(INITIAL, { persistPath });
    const result = await source.refresh(target('/migalabs.json'));
    expect(result).toEqual({ ok: true, network: 'mainnet', layer: 'consensus', date: '2026-08-21' });
    const snapshot = source.snapshot('mainnet', 'consensus')!;
    expect(snapshot).toMatchObject({ date: '2026-08-21', source: 'Miga Labs crawler via clientdiversity.org', url: `${base}/migalabs.json` });
    expect(snapshot.shares['lighthouse']).toBe(0.51);
    expect(statSync(persistPath).mode & 0o777).toBe(0o600);
    expect(loadDiversityData(persistPath)).toEqual(source.current());
  });

  it('works without a persist path (the data lasts until restart)', async () => {
    const source = new DiversityDataSource(INITIAL);
    expect((await source.refresh(target('/migalabs.json'))).ok).toBe(true);
    expect(source.snapshot('mainnet', 'consensus')!.date).toBe('2026-08-21');
  });

  it.each<[string, () => void, string, RegExp]>([
    ['an HTTP error', () => routes.set('/feed.json', { status: 503, body: 'down' }), '/feed.json', /failed: HTTP 503$/],
    ['a body that is not JSON', () => routes.set('/feed.json', { status: 200, body: '<html>' }), '/feed.json', /failed: .*JSON/],
    ['a body in another format', () => routes.set('/feed.json', { status: 200, body: '{"shares":{}}' }), '/feed.json', /expected an array of daily entries/],
    [
      'data older than the data in use',
      () => routes.set('/feed.json', { status: 200, body: JSON.stringify(MIGALABS_SAMPLE.slice(2)) }),
      '/feed.json',
      /its newest data \(2023-08-23\) is older than the data in use \(2026-08-01\)/,
    ],
    ['no answer in time', () => routes.set('/feed.json', { status: -1, body: '' }), '/feed.json', /failed: .*(timeout|aborted)/i],
  ])('keeps the last good data on %s and says so', async (_, setUp, path, error) => {
    setUp();
    const persistPath = join(dir, 'diversity.json');
    const source = new DiversityDataSource(INITIAL, { persistPath, timeoutMs: 300 });
    const result = await source.refresh(target(path));
    expect(result).toMatchObject({ ok: false, network: 'mainnet', layer: 'consensus', keptFrom: '2026-08-01' });
    expect(result.ok === false && result.error).toMatch(error);
    expect(source.current()).toBe(INITIAL);
    expect(() => statSync(persistPath)).toThrow(/ENOENT/);
  });

  it('keeps the last good data when the network fails, and hides the query of the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const source = new DiversityDataSource(INITIAL);
    const result = await source.refresh(target('', { url: `http://127.0.0.1:${port}/feed.json?token=secret` }));
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.error).toMatch(new RegExp(`^refreshing mainnet consensus shares from http://127\\.0\\.0\\.1:${port}/feed\\.json failed: `));
    expect(result.ok === false && result.error).not.toContain('secret');
    expect(source.current()).toBe(INITIAL);
  });

  it('keeps the last good data when saving fails', async () => {
    const source = new DiversityDataSource(INITIAL, { persistPath: join(dir, 'missing-dir', 'diversity.json') });
    const result = await source.refresh(target('/migalabs.json'));
    expect(result).toMatchObject({ ok: false, keptFrom: '2026-08-01' });
    expect(result.ok === false && result.error).toMatch(/could not be saved to .*missing-dir/);
    expect(source.current()).toBe(INITIAL);
  });

  it('reports nothing kept when the layer had no data', async () => {
    routes.set('/feed.json', { status: 500, body: '' });
    const source = new DiversityDataSource(INITIAL);
    const result = await source.refresh(target('/feed.json', { network: 'hoodi' }));
    expect(result).toMatchObject({ ok: false, network: 'hoodi', keptFrom: undefined });
    expect(source.snapshot('hoodi', 'consensus')).toBeUndefined();
  });

  it('keeps the other layers and networks when one layer is refreshed', async () => {
    const initial: DiversityData = {
      networks: {
        ...INITIAL.networks,
        hoodi: { execution: { source: 's', url: 'https://example.org/e.json', date: '2026-01-01', shares: { geth: 1 } } },
      },
    };
    const source = new DiversityDataSource(initial);
    await source.refresh(target('/migalabs.json'));
    expect(source.current().networks.hoodi).toBe(initial.networks.hoodi);
    expect(source.snapshot('mainnet', 'consensus')!.date).toBe('2026-08-21');
  });
});

describe('loadStartupData: the operator\'s (or bundled) file and the last refresh', () => {
  const snapshot = (date: string, lighthouse: number, source = 'x') => ({ source, url: 'https://example.org/cl.json', date, shares: { lighthouse, prysm: 1 - lighthouse } });
  const write = (name: string, data: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
    return path;
  };

  it('GIVEN no refreshed file THEN the base file as it is, nothing to note', () => {
    const base = write('base.json', INITIAL);
    expect(loadStartupData(base, join(dir, 'missing.json'))).toEqual({ data: INITIAL, notes: [] });
    expect(loadStartupData(base)).toEqual({ data: INITIAL, notes: [] });
  });

  it('GIVEN a refreshed layer newer than the base THEN it is used, and the note says where from and why', () => {
    const base = write('base.json', INITIAL);
    const refreshed = write('refreshed.json', { networks: { mainnet: { consensus: snapshot('2026-09-01', 0.4, 'feed') } } });
    const result = loadStartupData(base, refreshed);
    expect(result.data.networks.mainnet?.consensus).toMatchObject({ date: '2026-09-01', source: 'feed' });
    expect(result.notes).toEqual([`mainnet consensus shares from ${refreshed} (2026-09-01), newer than ${base}'s (2026-08-01)`]);
    expect(result.problem).toBeUndefined();
  });

  it('GIVEN an OVSB_DIVERSITY_DATA newer than the last refresh THEN the operator\'s file wins (the refresh no longer overrides it forever)', () => {
    const base = write('base.json', { networks: { mainnet: { consensus: snapshot('2026-10-01', 0.3, 'operator') } } });
    const refreshed = write('refreshed.json', { networks: { mainnet: { consensus: snapshot('2026-09-01', 0.4, 'feed') } } });
    expect(loadStartupData(base, refreshed)).toEqual({ data: loadDiversityData(base), notes: [] });
  });

  it('GIVEN the same date in both THEN the base file\'s snapshot (the operator\'s choice)', () => {
    const base = write('base.json', { networks: { mainnet: { consensus: snapshot('2026-09-01', 0.3, 'operator') } } });
    const refreshed = write('refreshed.json', { networks: { mainnet: { consensus: snapshot('2026-09-01', 0.4, 'feed') } } });
    expect(loadStartupData(base, refreshed).data.networks.mainnet?.consensus?.source).toBe('operator');
  });

  it('GIVEN each file newer in another layer THEN each layer comes from the newer file', () => {
    const execution = (date: string, source: string) => ({ source, url: 'https://example.org/el.json', date, shares: { geth: 0.5, besu: 0.5 } });
    const base = write('base.json', { networks: { mainnet: { consensus: snapshot('2026-08-01', 0.3, 'operator'), execution: execution('2026-10-01', 'operator') } } });
    const refreshed = write('refreshed.json', {
      networks: { mainnet: { consensus: snapshot('2026-09-01', 0.4, 'feed'), execution: execution('2026-09-01', 'feed') }, hoodi: { consensus: snapshot('2026-09-02', 0.5, 'feed') } },
    });
    const { data, notes } = loadStartupData(base, refreshed);
    expect(data.networks.mainnet?.consensus?.source).toBe('feed');
    expect(data.networks.mainnet?.execution?.source).toBe('operator');
    expect(data.networks.hoodi?.consensus?.source).toBe('feed');
    expect(notes).toEqual([
      `mainnet consensus shares from ${refreshed} (2026-09-01), newer than ${base}'s (2026-08-01)`,
      `hoodi consensus shares from ${refreshed} (2026-09-02), newer than none in ${base}`,
    ]);
  });

  it.each([
    ['not JSON', '{"networks": {'],
    ['not diversity data', JSON.stringify({ networks: { mainnet: { consensus: { date: 'yesterday' } } } })],
  ])('GIVEN a refreshed file that is %s THEN the base file is used and the problem says why, instead of stopping the broker', (_, text) => {
    const base = write('base.json', INITIAL);
    const refreshed = write('refreshed.json', text);
    const result = loadStartupData(base, refreshed);
    expect(result.data).toEqual(INITIAL);
    expect(result.notes).toEqual([]);
    expect(result.problem).toMatch(new RegExp(`^the refreshed diversity data ${refreshed.replace(/[.]/g, '\\.')} is unusable \\(.+\\); using ${base.replace(/[.]/g, '\\.')} until the next successful refresh replaces it$`));
  });

  it('GIVEN an unreadable base file THEN a ConfigError: the broker cannot start without data', () => {
    expect(() => loadStartupData(join(dir, 'missing.json'))).toThrow(ConfigError);
  });
});

describe('openDiversitySource at start-up', () => {
  it('GIVEN refreshing on and a corrupt refreshed file in the data dir THEN it starts on the configured data and logs a warning', () => {
    const base = join(dir, 'operator.json');
    writeFileSync(base, JSON.stringify(INITIAL));
    writeFileSync(join(dir, REFRESHED_DATA_FILE), 'not json');
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    });
    const { source } = openDiversitySource(dir, { dataPath: base, refreshHours: 24, feeds: [] }, logger);
    expect(source.current()).toEqual(INITIAL);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40 });
    expect(String(lines[0]!['msg'])).toContain(`${join(dir, REFRESHED_DATA_FILE)} is unusable`);
  });

  it('GIVEN refreshing off THEN a refreshed file is not read at all', () => {
    const base = join(dir, 'operator.json');
    writeFileSync(base, JSON.stringify(INITIAL));
    writeFileSync(join(dir, REFRESHED_DATA_FILE), JSON.stringify({ networks: { mainnet: { consensus: { source: 'feed', url: 'https://example.org/x.json', date: '2030-01-01', shares: { teku: 1 } } } } }));
    expect(openDiversitySource(dir, { dataPath: base, refreshHours: 0, feeds: [] }).source.current()).toEqual(INITIAL);
  });
});
