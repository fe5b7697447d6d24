import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiversityDataSource, loadDiversityData, type DiversityData, type RefreshTarget } from '../../src/diversity';
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
