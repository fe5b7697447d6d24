/**
 * `ovsb releases refresh` offline: the clients' GitHub release feeds are served from recorded fixtures by
 * a server on 127.0.0.1 started by the test (`--api-url`), as the diversity refresh is tested.
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_RELEASE_DATA, parseReleaseData } from '../../modules/clients/release-data';
import { releasesCommand } from '../../src/cli/releases-command';
import { releaseFromFeed } from '../../src/releases/refresh';

const NETHERMIND_FEED = readFileSync(join(__dirname, 'fixtures', 'nethermind-releases.json'), 'utf8');

let server: Server;
let apiUrl: string;
let work: string;
const requested: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ovsb-releases-refresh-'));
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url?.startsWith('/repos/NethermindEth/nethermind/releases')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(NETHERMIND_FEED);
    if (req.url?.startsWith('/repos/sigp/lighthouse/releases')) return void res.writeHead(500).end('boom');
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

describe('ovsb releases refresh', () => {
  it('GIVEN recorded feeds WHEN refreshed THEN new releases are added with security and urgency, drafts and pre-releases skipped, a failed feed reported', async () => {
    const input = join(work, 'releases.json');
    const output = join(work, 'refreshed.json');
    writeFileSync(input, JSON.stringify({ $comment: 'kept', ...BUNDLED_RELEASE_DATA }));
    let stdout = '';
    let stderr = '';
    const code = await releasesCommand.run(['refresh', '--data', input, '--out', output, '--api-url', apiUrl], {
      env: {},
      cwd: work,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    });
    // One feed failed: exit 1, and everything else is still written.
    expect(code).toBe(1);
    expect(stderr).toContain('lighthouse: sigp/lighthouse: HTTP 500; kept as it was');
    expect(requested).toContain('/repos/NethermindEth/nethermind/releases?per_page=30');

    const written = JSON.parse(readFileSync(output, 'utf8')) as Record<string, unknown>;
    expect(written['$comment']).toBe('kept');
    const data = parseReleaseData(written, output);
    expect(data.observed).toBe(new Date().toISOString().slice(0, 10));
    const added = data.clients.nethermind.releases.filter((r) => !BUNDLED_RELEASE_DATA.clients.nethermind.releases.some((k) => k.version === r.version));
    expect(added).toEqual([
      {
        version: '2.3.1',
        date: '2026-12-04',
        security: true,
        urgency: 'high',
        note: 'added by ovsb releases refresh from the release feed; read the notes',
        source: 'https://github.com/NethermindEth/nethermind/releases/tag/2.3.1',
      },
    ]);
    expect(data.changed >= '2026-12-04').toBe(true);
    expect(data.clients.lighthouse).toEqual(BUNDLED_RELEASE_DATA.clients.lighthouse);
    expect(stdout).toContain('nethermind: added 2.3.1 (2026-12-04, security, high urgency)');
    expect(stdout).toContain('review what it schedules: nethermind 2.3.1: https://github.com/NethermindEth/nethermind/releases/tag/2.3.1');
  });

  it.each([
    [{ tag_name: 'v1.2.3', published_at: '2026-01-02T00:00:00Z', html_url: 'https://x/1', body: 'Priority: critical. Fixes a consensus bug.' }, { security: false, urgency: 'critical' }],
    [{ tag_name: 'v1.2.4', published_at: '2026-01-03T00:00:00Z', html_url: 'https://x/2', body: 'Patches GHSA vulnerabilities in the p2p layer.' }, { security: true }],
    [{ tag_name: 'v1.2.5', published_at: '2026-01-04T00:00:00Z', html_url: 'https://x/3', body: 'Performance.' }, { security: false }],
  ])('reads %j as %j', (entry, expected) => {
    const release = releaseFromFeed(entry);
    expect(release).toMatchObject(expected);
    if (!('urgency' in expected)) expect(release).not.toHaveProperty('urgency');
  });

  it('skips drafts, pre-releases and tags without a release number', () => {
    expect(releaseFromFeed({ tag_name: 'v2.0.0', published_at: '2026-01-01T00:00:00Z', html_url: 'https://x', draft: true })).toBeUndefined();
    expect(releaseFromFeed({ tag_name: 'v2.0.0-rc.1', published_at: '2026-01-01T00:00:00Z', html_url: 'https://x' })).toBeUndefined();
    expect(releaseFromFeed({ tag_name: 'nightly', published_at: '2026-01-01T00:00:00Z', html_url: 'https://x' })).toBeUndefined();
  });
});
