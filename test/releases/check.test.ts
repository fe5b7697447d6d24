/**
 * `ovsb releases check`: exit 1 on anything urgent (a missed security release, a flag the pinned release
 * removed, a pin that does not follow a scheduled fork), 0 when nothing is, 2 on a usage error. Run
 * in-process against catalogs and release data files written by the test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareReleases, releaseNumber } from '../../modules/clients/forks';
import { BUNDLED_RELEASE_DATA, type ReleaseClient } from '../../modules/clients/release-data';
import { releasesCommand } from '../../src/cli/releases-command';
import { UsageError } from '../../src/cli/command';
import { minimalCatalog, toYaml } from '../catalog/helpers';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ovsb-releases-check-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const NOW = '2026-12-06T12:00:00Z';

/** The newest release the bundled data knows of a client (its Fusaka minimum when it lists none). */
function newest(client: ReleaseClient): string {
  const info = BUNDLED_RELEASE_DATA.clients[client];
  const versions = [...info.releases.map((r) => r.version), ...info.follows.map((f) => f.from)];
  return versions.sort((a, b) => compareReleases(releaseNumber(b)!, releaseNumber(a)!))[0]!;
}

/** A mainnet-only catalog pinning nethermind + teku at their newest known releases. */
function mainnetCatalog(): string {
  const catalog = minimalCatalog();
  catalog['clients'] = {
    execution: { nethermind: { version: newest('nethermind') } },
    consensus: { teku: { version: newest('teku') } },
    mev_boost: { version: newest('mev-boost') },
  };
  catalog['networks'] = { mainnet: { mev_boost: { relays: ['https://0xac6e77dfe25ecd6110b8e780608cce0dab71fdd5ebea22a16c0205200f2f8e2e3ad3b71d3499c54ad14d6c21b41a37ae@boost-relay.flashbots.net'] } } };
  const path = join(work, `catalog-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, toYaml(catalog));
  return path;
}

function dataFile(mutate: (data: any) => void): string {
  const data = JSON.parse(JSON.stringify(BUNDLED_RELEASE_DATA));
  mutate(data);
  const path = join(work, `releases-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(data));
  return path;
}

async function check(args: string[], catalog: string) {
  let stdout = '';
  const context = { env: { OVSB_CATALOG: catalog }, cwd: work, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } };
  const code = await releasesCommand.run(['check', '--at', NOW, ...args], context);
  return { code, stdout };
}

describe('ovsb releases check', () => {
  it('GIVEN pins at the newest known releases on mainnet THEN nothing is urgent and it exits 0', async () => {
    const { code, stdout } = await check([], mainnetCatalog());
    expect(stdout).toMatch(/: 0 urgent/);
    expect(code).toBe(0);
  });

  it('GIVEN a fixture with a missed security release and a removed flag the broker passes THEN both are urgent and it exits 1', async () => {
    const pinned = newest('nethermind');
    const fixture = dataFile((data) => {
      data.clients.nethermind.releases.push({ version: '99.1.0', date: '2026-12-05', security: true, note: 'fixes a remote crash', source: 'https://example.org/nethermind/99.1.0' });
      data.clients.teku.flags = [{ flag: '--ee-endpoint', status: 'removed', since: '1.0.0', source: 'https://example.org/teku/flags' }];
    });
    const { code, stdout } = await check(['--data', fixture, '--format', 'json'], mainnetCatalog());
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { urgent: number; findings: { level: string; kind: string; client: string; message: string }[] };
    expect(report.findings.filter((f) => f.level === 'urgent').map((f) => [f.kind, f.client])).toEqual([
      ['security', 'nethermind'],
      ['flag-removed', 'teku'],
    ]);
    expect(report.findings.find((f) => f.kind === 'security')!.message).toBe(`nethermind 99.1.0 (2026-12-05) fixes a vulnerability: fixes a remote crash; the pin ${pinned} misses it`);
    expect(report.findings.find((f) => f.kind === 'flag-removed')!.message).toMatch(/no longer accepts --ee-endpoint \(removed in 1\.0\.0\) and the broker passes it: the client will not start/);
  });

  it('GIVEN a deprecated flag in use THEN it is a warning, not urgent', async () => {
    const fixture = dataFile((data) => {
      data.clients.teku.flags = [{ flag: '--ee-endpoint', status: 'deprecated', since: '1.0.0', source: 'https://example.org/teku/flags' }];
    });
    const { code, stdout } = await check(['--data', fixture], mainnetCatalog());
    expect(code).toBe(0);
    expect(stdout).toMatch(/^WARNING teku .*deprecates --ee-endpoint/m);
  });

  it("GIVEN the bundled catalog on 2026-12-06 THEN hoodi pins without a Glamsterdam release are urgent, 9 days ahead", async () => {
    const { code, stdout } = await check(['--format', 'json'], '');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { findings: { kind: string; client: string; message: string }[] };
    const fork = report.findings.filter((f) => f.kind === 'fork');
    expect(fork.length).toBeGreaterThan(0);
    for (const finding of fork) expect(finding.message).toMatch(/^Glamsterdam \(Amsterdam\/Gloas\) on hoodi at 2026-12-15T19:12:24Z \(epoch 143616\), in 9 days 7 hours: /);
    // Nethermind schedules it from 2.3.0, which the catalog pins.
    expect(fork.map((f) => f.client)).not.toContain('nethermind');
  });

  it.each([
    [['check', '--format', 'yaml']],
    [['check', '--at', 'tomorrow']],
    [['audit']],
    [[]],
  ])('GIVEN %j THEN it is a usage error (exit 2 from the CLI)', async (args) => {
    const context = { env: {}, cwd: work, stdout: { write: () => true }, stderr: { write: () => true } };
    await expect(releasesCommand.run(args, context)).rejects.toBeInstanceOf(UsageError);
  });
});
