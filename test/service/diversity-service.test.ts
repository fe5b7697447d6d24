/**
 * The DiversityService's refresh against a real HTTP server on 127.0.0.1: a failing feed keeps the last
 * good data and says so in /diversity's refresh status; a good feed replaces the shares, is kept in the
 * data dir (0600) for the next start, and the catalog's diversity status follows.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load';
import type { NodeService } from '../../src/catalog/model';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { DiversityService, openDiversitySource, REFRESHED_DATA_FILE } from '../../src/service/diversity';
import { openStorage } from '../../src/storage';
import { SecretBox } from '../../src/crypto/secret-box';
import type { Storage } from '../../src/storage/types';

let server: Server;
let base: string;
let answer: { status: number; body: string } = { status: 500, body: 'down' };
const feed = (date: string, lighthouse: number) =>
  JSON.stringify([{ date, data: { distribution: [{ name: 'Lighthouse', value: lighthouse }, { name: 'Prysm', value: 1 - lighthouse }] } }]);

let dataDir: string;
let storage: Storage;
const logs: string[] = [];

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'ovsb-diversity-'));
  storage = await openStorage({ dataDir, secretBox: new SecretBox(Buffer.alloc(32, 3)) });
});
afterAll(async () => {
  await storage.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

function service(env: Record<string, string>) {
  const config = loadConfig({ OVSB_DATA_DIR: dataDir, ...env }, dataDir);
  const { source, targets } = openDiversitySource(config.dataDir, config.diversity);
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  });
  const catalog = loadCatalog();
  return { catalog, targets, diversity: new DiversityService({ storage, catalog, source, refreshTargets: targets, refreshHours: config.diversity.refreshHours, logger }) };
}

describe('GIVEN refreshing on, with the mainnet consensus feed overridden to a local server', () => {
  const env = () => ({ OVSB_DIVERSITY_REFRESH_HOURS: '24', OVSB_DIVERSITY_FEEDS: `mainnet.consensus=${base}/migalabs.json` });

  it('THEN refresh targets are the override plus the bundled snapshots\' own URLs', () => {
    const { targets } = service(env());
    expect(targets.find((t) => t.network === 'mainnet' && t.layer === 'consensus')).toMatchObject({ url: `${base}/migalabs.json` });
    expect(targets.find((t) => t.network === 'mainnet' && t.layer === 'execution')?.url).toContain('clientdiversity');
  });

  it('WHEN the feed fails THEN the last good data stays, the failure is reported and logged', async () => {
    answer = { status: 503, body: 'maintenance' };
    const { diversity } = service({ ...env(), OVSB_DIVERSITY_FEEDS: `mainnet.consensus=${base}/migalabs.json` });
    const before = diversity.data();
    const results = await diversity.refresh();
    const consensus = results.find((r) => r.network === 'mainnet' && r.layer === 'consensus')!;
    expect(consensus).toMatchObject({ ok: false, keptFrom: '2026-08-21' });
    expect(consensus.ok === false && consensus.error).toContain('HTTP 503');
    expect(diversity.data().networks.mainnet?.consensus).toBe(before.networks.mainnet?.consensus);
    const overview = await diversity.overview();
    expect(overview.refresh.find((r) => r.layer === 'consensus' && r.network === 'mainnet')).toMatchObject({ ok: false, keptFrom: '2026-08-21' });
    expect(logs.join('')).toContain('HTTP 503');
  });

  it('WHEN the feed answers newer data THEN the shares, the saved file and the catalog status follow', async () => {
    answer = { status: 200, body: feed('2026-11-20', 0.25) };
    const { diversity, catalog } = service(env());
    const besuLighthouse = catalog.services.find((s): s is NodeService => s.kind === 'node' && s.execution.client === 'besu' && s.consensus.client === 'lighthouse')!;
    expect(diversity.serviceStatus(besuLighthouse)?.consensus).toBe('majority');
    await diversity.refresh();
    expect(diversity.data().networks.mainnet?.consensus).toMatchObject({ date: '2026-11-20', shares: { lighthouse: 0.25, prysm: 0.75 } });
    expect(diversity.serviceStatus(besuLighthouse)?.consensus).toBe('minority');
    const saved = join(dataDir, REFRESHED_DATA_FILE);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    // The next start uses the refreshed data.
    expect(service(env()).diversity.data().networks.mainnet?.consensus?.date).toBe('2026-11-20');
  });
});

describe('GIVEN bad diversity settings THEN loadConfig names the variable', () => {
  it.each([
    [{ OVSB_DIVERSITY_FEEDS: 'mainnet.beacon=https://example.org/x.json' }, /OVSB_DIVERSITY_FEEDS.*"mainnet.beacon=/],
    [{ OVSB_DIVERSITY_FEEDS: 'holesky.consensus=https://example.org/x.json' }, /OVSB_DIVERSITY_FEEDS/],
    [{ OVSB_DIVERSITY_FEEDS: 'mainnet.consensus=ftp://example.org/x.json' }, /must be an http\(s\) URL/],
    [{ OVSB_DIVERSITY_REFRESH_HOURS: '-1' }, /OVSB_DIVERSITY_REFRESH_HOURS/],
    [{ OVSB_PUBLIC_URL: 'broker.example.org' }, /OVSB_PUBLIC_URL.*not a URL/],
  ])('%o', (env, message) => {
    expect(() => loadConfig(env, '/tmp')).toThrow(message);
  });

  it('OVSB_PUBLIC_URL loses its trailing slash', () => {
    expect(loadConfig({ OVSB_PUBLIC_URL: 'https://broker.example.org/ovsb/' }, '/tmp').publicUrl).toBe('https://broker.example.org/ovsb');
  });
});
