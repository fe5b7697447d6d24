/**
 * The release table (data/releases.json read by modules/clients/forks.ts): which release follows which
 * fork on which network, compared by release number, and the Engine API derived from a pinned version.
 */
import { describe, expect, it } from 'vitest';
import {
  FORKS,
  NETWORK_FORKS,
  compareReleases,
  firstRelease,
  forkReadiness,
  networkForkAt,
  isAtLeast,
  minimumRelease,
  networkBuilders,
  networkEngineApi,
  newestFork,
  releaseNumber,
  releaseShortfall,
} from '../../modules/clients/forks';
import { CONSENSUS, EXECUTION } from '../../modules/clients/index';
import { BUNDLED_RELEASE_DATA } from '../../modules/clients/release-data';
import { CONSENSUS_CLIENTS, EXECUTION_CLIENTS, NETWORKS } from '../../modules/clients/types';

describe('release numbers in image tags', () => {
  it.each([
    ['v1.16.7', { major: 1, minor: 16, patch: 7, prerelease: false }],
    ['25.11.0', { major: 25, minor: 11, patch: 0, prerelease: false }],
    ['multiarch-v25.11.0', { major: 25, minor: 11, patch: 0, prerelease: false }],
    ['v8.0.0-rc.0', { major: 8, minor: 0, patch: 0, prerelease: true }],
    ['1.10', { major: 1, minor: 10, patch: 0, prerelease: false }],
  ])('GIVEN %s THEN it reads %j', (tag, expected) => {
    expect(releaseNumber(tag)).toEqual(expected);
  });

  it('GIVEN a tag without a number THEN it has no release number and is never at least a minimum', () => {
    expect(releaseNumber('stable')).toBeUndefined();
    expect(isAtLeast('stable', 'v1.0.0')).toBe(false);
  });

  it.each([
    ['v1.16.6', 'v1.16.7', false],
    ['v1.16.7', 'v1.16.7', true],
    ['v1.17.0', 'v1.16.7', true],
    ['v2.0.0', 'v1.99.99', true],
    ['v8.0.0-rc.1', 'v8.0.0', false],
    ['v8.0.1-rc.1', 'v8.0.0', true],
    ['multiarch-v25.10.9', 'v25.11.0', false],
  ])('GIVEN %s and minimum %s THEN at least: %s', (tag, minimum, expected) => {
    expect(isAtLeast(tag, minimum)).toBe(expected);
  });

  it('orders a release candidate before its release', () => {
    expect(compareReleases(releaseNumber('1.0.0-rc.1')!, releaseNumber('1.0.0')!)).toBeLessThan(0);
    expect(compareReleases(releaseNumber('1.0.0')!, releaseNumber('1.0.0-rc.1')!)).toBeGreaterThan(0);
  });
});

describe('the fork table', () => {
  it('says mainnet and hoodi run Fusaka (Osaka) and sepolia Glamsterdam (Amsterdam) as the data was observed, with their dates', () => {
    expect(NETWORK_FORKS).toEqual({
      mainnet: { fork: 'osaka', since: '2025-12-03' },
      hoodi: { fork: 'osaka', since: '2025-10-28' },
      sepolia: { fork: 'amsterdam', since: '2026-10-06' },
    });
  });

  it("GIVEN a time THEN networkForkAt answers the fork active then: hoodi turns Glamsterdam at 2026-12-15T19:12:24Z", () => {
    expect(networkForkAt('hoodi', new Date('2026-12-15T19:12:23Z')).fork).toBe('osaka');
    expect(networkForkAt('hoodi', new Date('2026-12-15T19:12:24Z'))).toEqual({ fork: 'amsterdam', since: '2026-12-15' });
    expect(networkForkAt('sepolia', new Date('2026-10-01T00:00:00Z')).fork).toBe('osaka');
    expect(() => networkForkAt('mainnet', new Date('2020-01-01T00:00:00Z'))).toThrow(/no fork active on mainnet/);
  });

  it('gives every client a readable Fusaka minimum on every network, and each later fork minimum is newer', () => {
    for (const client of [...EXECUTION_CLIENTS, ...CONSENSUS_CLIENTS]) {
      for (const network of NETWORKS) {
        const osaka = firstRelease(client, 'osaka', network);
        expect(osaka && releaseNumber(osaka), `${client} ${network}`).toBeDefined();
        const amsterdam = firstRelease(client, 'amsterdam', network);
        if (amsterdam !== undefined) expect(compareReleases(releaseNumber(amsterdam)!, releaseNumber(osaka!)!), `${client} ${network}`).toBeGreaterThan(0);
      }
    }
  });

  it('knows a Sepolia Glamsterdam release, from its own notes, only for the clients that have one', () => {
    const known = [...EXECUTION_CLIENTS, ...CONSENSUS_CLIENTS].filter((client) => firstRelease(client, 'amsterdam', 'sepolia') !== undefined);
    expect(known).toEqual(['nethermind', 'erigon', 'reth', 'lighthouse', 'prysm', 'teku', 'lodestar']);
  });

  it('GIVEN a client with no known Glamsterdam release THEN every release is refused on sepolia, saying so', () => {
    for (const client of ['geth', 'besu', 'nimbus', 'grandine'] as const) {
      expect(minimumRelease(client, 'sepolia').version).toBeUndefined();
      expect(releaseShortfall(client, 'v99.0.0', 'sepolia')).toBe(
        `no ${client} release is known to follow Glamsterdam (Amsterdam/Gloas), which sepolia runs since 2026-10-06 (data/releases.json lists none with a source); do not offer sepolia with ${client}`,
      );
      expect(releaseShortfall(client, 'v99.0.0', 'mainnet')).toBeUndefined();
    }
  });

  it('GIVEN a release that scheduled the cancelled hoodi date THEN it is refused on hoodi only, naming the fix', () => {
    expect(releaseShortfall('nethermind', '2.2.0', 'hoodi')).toBe(
      'nethermind 2.2.0 schedules Glamsterdam (Amsterdam/Gloas) on hoodi at a date hoodi cancelled, so it forks off hoodi; pin 2.2.1 or later',
    );
    expect(releaseShortfall('nethermind', '2.2.0', 'sepolia')).toBeUndefined();
    expect(releaseShortfall('nethermind', '2.2.0', 'mainnet')).toBeUndefined();
    expect(releaseShortfall('nethermind', '2.1.0', 'hoodi')).toBeUndefined();
    expect(releaseShortfall('nethermind', '2.2.1', 'hoodi')).toBeUndefined();
    expect(releaseShortfall('lighthouse', 'v8.3.1', 'hoodi')).toMatch(/forks off hoodi; pin v8.3.2 or later$/);
    expect(releaseShortfall('teku', '26.10.1', 'hoodi')).toMatch(/pin 26.10.2 or later$/);
    for (const [client, info] of Object.entries(BUNDLED_RELEASE_DATA.clients)) {
      for (const entry of info.forksOff ?? []) {
        expect(compareReleases(releaseNumber(entry.from)!, releaseNumber(entry.fixedIn)!), client).toBeLessThan(0);
      }
    }
  });

  it("judges readiness for hoodi's rescheduled Glamsterdam: a release that schedules it, one that does not, one that schedules the cancelled date", () => {
    const hoodiGlamsterdam = BUNDLED_RELEASE_DATA.networks.hoodi.forks.find((f) => f.fork === 'amsterdam')!;
    expect(hoodiGlamsterdam).toMatchObject({ epoch: 143616, time: '2026-12-15T19:12:24Z' });
    expect(forkReadiness('nethermind', '2.3.0', 'hoodi', hoodiGlamsterdam)).toEqual({ ready: true });
    expect(forkReadiness('nethermind', '2.2.2', 'hoodi', hoodiGlamsterdam)).toEqual({ ready: false, minimum: '2.3.0', cause: 'missing' });
    expect(forkReadiness('nethermind', '2.2.0', 'hoodi', hoodiGlamsterdam)).toEqual({ ready: false, minimum: '2.3.0', cause: 'forks-off' });
    expect(forkReadiness('geth', 'v1.17.10', 'hoodi', hoodiGlamsterdam)).toEqual({ ready: false, minimum: undefined, cause: 'missing' });
  });

  it('says how proposers reach builders: MEV-Boost on Fusaka, in-protocol (EIP-7732) on Glamsterdam', () => {
    expect(FORKS.osaka.builders).toBe('mev-boost');
    expect(FORKS.amsterdam.builders).toBe('in-protocol');
    expect(NETWORKS.map((network) => [network, networkBuilders(network)])).toEqual([
      ['mainnet', 'mev-boost'],
      ['hoodi', 'mev-boost'],
      ['sepolia', 'in-protocol'],
    ]);
  });

  it.each([
    ['geth', 'mainnet', 'v1.16.7'],
    ['reth', 'mainnet', 'v1.9.1'],
    ['prysm', 'mainnet', 'v7.0.0'],
    ['prysm', 'hoodi', 'v7.0.0'],
    ['teku', 'sepolia', '26.9.1'],
    ['lighthouse', 'sepolia', 'v8.3.2'],
    ['nethermind', 'sepolia', '2.1.0'],
    ['reth', 'sepolia', 'v2.7.0'],
  ] as const)('GIVEN %s on %s THEN the minimum release is %s', (client, network, version) => {
    expect(minimumRelease(client, network).version).toBe(version);
  });

  it('pins every definition default at or above the Fusaka minimum (mainnet and hoodi), and on sepolia where a release is known', () => {
    for (const definition of [...Object.values(EXECUTION), ...Object.values(CONSENSUS)]) {
      for (const network of ['mainnet', 'hoodi'] as const) {
        expect(releaseShortfall(definition.name, definition.defaultVersion, network), `${definition.name} on ${network}`).toBeUndefined();
      }
      if (minimumRelease(definition.name, 'sepolia').version !== undefined) {
        expect(releaseShortfall(definition.name, definition.defaultVersion, 'sepolia'), definition.name).toBeUndefined();
      }
    }
  });
});

describe('the Engine API of a pinned release', () => {
  it.each([
    ['geth', 'v1.13.0', undefined],
    ['geth', 'v1.16.6', undefined],
    ['geth', 'v1.16.7', 'osaka'],
    ['geth', 'v1.17.10', 'osaka'], // no Glamsterdam release of geth is known here
    ['reth', 'v2.6.0', 'osaka'],
    ['reth', 'v2.7.0', 'amsterdam'],
  ] as const)('GIVEN %s %s THEN the newest fork it follows is %s', (client, version, fork) => {
    expect(newestFork(client, version)).toBe(fork);
  });

  it('gives each network the Engine API of its fork: V4 on Fusaka networks, V5 on sepolia', () => {
    for (const network of NETWORKS) {
      expect(networkEngineApi(network).fork).toBe(NETWORK_FORKS[network].fork);
    }
    expect(networkEngineApi('mainnet')).toMatchObject({ version: 'V4', methods: expect.arrayContaining(['engine_getPayloadV5']) });
    expect(networkEngineApi('sepolia')).toMatchObject({ version: 'V5', methods: expect.arrayContaining(['engine_newPayloadV5', 'engine_forkchoiceUpdatedV4', 'engine_getPayloadV6']) });
  });

  it('GIVEN a release below the minimum THEN the shortfall names client, version, fork, network and minimum', () => {
    expect(releaseShortfall('nethermind', '1.31.9', 'hoodi')).toBe(
      'nethermind 1.31.9 is older than 1.35.2, the minimum nethermind release for Fusaka (Osaka/Fulu), which hoodi runs since 2025-10-28; pin 1.35.2 or later',
    );
    expect(releaseShortfall('nethermind', '1.35.2', 'hoodi')).toBeUndefined();
  });
});
