/** Focused per-client flag tests, overrides and refusals. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors';
import { CONSENSUS, EXECUTION, MEV_BOOST, WEB3SIGNER } from '../../modules/clients/index';
import { prysmLocalBlockValueBoost } from '../../modules/clients/consensus/prysm';
import { buildNodeTopology } from '../../modules/clients/topology';
import type { ConsensusClientName, ContainerSpec, ExecutionClientName, NodeTopology } from '../../modules/clients/types';
import type { NodeSpec } from '../../stacks/props';
import { FEE_RECIPIENT, RELAY, WEB3SIGNER_ARGS, flagValue, hasFlag, hostOf } from './expectations';

const W3S = 'http://signer.example.org:9000';

function spec(el: ExecutionClientName, cl: ConsensusClientName, extra: Partial<NodeSpec> = {}): NodeSpec {
  return {
    network: 'mainnet',
    role: 'validator',
    execution: { client: el, version: EXECUTION[el].defaultVersion },
    consensus: { client: cl, version: CONSENSUS[cl].defaultVersion },
    feeRecipient: FEE_RECIPIENT,
    ...extra,
  };
}

function component(topology: NodeTopology, name: ContainerSpec['component']): ContainerSpec {
  const found = topology.containers.find((c) => c.component === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

const mevBoost = { version: '1.10', relays: [RELAY] };

describe('execution clients', () => {
  it('serves WebSocket on the HTTP port for nethermind and erigon, on 8546 elsewhere', () => {
    for (const el of ['nethermind', 'erigon'] as const) {
      const topology = buildNodeTopology(spec(el, 'teku'), hostOf);
      expect(topology.endpoints.executionWs).toEqual({ component: 'execution', port: 8545, scheme: 'ws' });
    }
    for (const el of ['geth', 'besu', 'reth'] as const) {
      const topology = buildNodeTopology(spec(el, 'teku'), hostOf);
      expect(topology.endpoints.executionWs.port).toBe(8546);
      expect(component(topology, 'execution').ports.find((p) => p.port === 8546)?.exposure).toBe('rpc');
    }
  });

  it('moves reth discv5 to 30304/udp, exposed as p2p', () => {
    const execution = component(buildNodeTopology(spec('reth', 'lighthouse'), hostOf), 'execution');
    // discv5 is reth's default; the deprecated --enable-discv5-discovery would crash-loop once removed.
    expect(execution.args).not.toContain('--enable-discv5-discovery');
    expect(flagValue(execution.args, '--discovery.v5.port')).toBe('30304');
    expect(execution.ports).toContainEqual({ name: 'discv5', port: 30304, protocol: 'UDP', exposure: 'p2p' });
  });

  it('disables erigon embedded Caplin and opens its second P2P and torrent ports', () => {
    const execution = component(buildNodeTopology(spec('erigon', 'nimbus'), hostOf), 'execution');
    expect(execution.args).toContain('--externalcl');
    const p2p = execution.ports.filter((p) => p.exposure === 'p2p').map((p) => `${p.port}/${p.protocol}`);
    expect(p2p).toEqual(expect.arrayContaining(['30304/TCP', '30304/UDP', '42069/TCP', '42069/UDP']));
  });

  it('uses health endpoints where the client has one (besu /readiness, nethermind /health)', () => {
    const besu = component(buildNodeTopology(spec('besu', 'teku'), hostOf), 'execution');
    expect(besu.readiness).toMatchObject({ type: 'http', port: 8545, path: '/readiness' });
    const nethermind = component(buildNodeTopology(spec('nethermind', 'teku'), hostOf), 'execution');
    expect(nethermind.args).toContain('--HealthChecks.Enabled=true');
    expect(nethermind.readiness).toMatchObject({ type: 'http', port: 8545, path: '/health' });
    const geth = component(buildNodeTopology(spec('geth', 'teku'), hostOf), 'execution');
    expect(geth.readiness).toMatchObject({ type: 'tcp', port: 8545 });
  });

  it('keeps nethermind logs and key store on the data volume (the image dirs are not writable for the UID)', () => {
    const execution = component(buildNodeTopology(spec('nethermind', 'teku'), hostOf), 'execution');
    expect(flagValue(execution.args, '--data-dir')).toBe('/data');
    expect(flagValue(execution.args, '--Init.LogDirectory')).toBe('/data/logs');
    expect(flagValue(execution.args, '--KeyStore.KeyStoreDirectory')).toBe('/data/keystore');
    expect(execution.runAsUser).toBe(10001);
    expect(execution.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(300);
  });
});

describe('checkpoint sync', () => {
  it('uses an operator URL without its trailing slash on every client (teku rejects one)', () => {
    for (const cl of ['lighthouse', 'prysm', 'teku', 'lodestar', 'grandine'] as const) {
      const beacon = component(buildNodeTopology(spec('geth', cl, { checkpointSyncUrl: 'https://cp.example.org/' }), hostOf), 'beacon');
      const flag = cl === 'lodestar' ? '--checkpointSyncUrl' : '--checkpoint-sync-url';
      expect(flagValue(beacon.args, flag)).toBe('https://cp.example.org');
    }
  });

  it('runs nimbus trustedNodeSync in an init container before the beacon node, without backfill', () => {
    const beacon = component(buildNodeTopology(spec('geth', 'nimbus', { network: 'hoodi' }), hostOf), 'beacon');
    expect(beacon.initContainers).toEqual([
      {
        name: 'checkpoint-sync',
        image: `statusim/nimbus-eth2:${CONSENSUS.nimbus.defaultVersion}`,
        command: ['/home/user/nimbus-eth2/build/nimbus_beacon_node'],
        args: [
          'trustedNodeSync',
          '--network=hoodi',
          '--data-dir=/data',
          '--trusted-node-url=https://checkpoint-sync.hoodi.ethpandaops.io',
          '--backfill=false',
        ],
      },
    ]);
  });
});

describe('builder boost factor', () => {
  it('maps to prysm --local-block-value-boost = 10000/f - 100 and refuses what prysm cannot express', () => {
    expect(prysmLocalBlockValueBoost(100)).toBe(0);
    expect(prysmLocalBlockValueBoost(90)).toBe(11);
    expect(prysmLocalBlockValueBoost(50)).toBe(100);
    expect(() => prysmLocalBlockValueBoost(0)).toThrow(/1\.\.100/);
    expect(() => prysmLocalBlockValueBoost(150)).toThrow(ConfigError);
  });

  it('is only applied with MEV-Boost: without a builder no client gets a boost flag', () => {
    for (const cl of ['lighthouse', 'prysm', 'teku', 'nimbus', 'lodestar', 'grandine'] as const) {
      const topology = buildNodeTopology(spec('geth', cl, { builderBoostFactor: 90 }), hostOf);
      const args = topology.containers.flatMap((c) => c.args).join(' ');
      expect(args).not.toMatch(/boost|compare-factor/i);
    }
  });

  it('passes other factors through where the flag takes the beacon-API percentage', () => {
    const teku = buildNodeTopology(spec('geth', 'teku', { mevBoost, builderBoostFactor: 80 }), hostOf);
    expect(component(teku, 'beacon').args).toContain('--builder-bid-compare-factor=80');
    const lighthouse = buildNodeTopology(spec('geth', 'lighthouse', { mevBoost, builderBoostFactor: 0 }), hostOf);
    expect(component(lighthouse, 'validator').args).toContain('--builder-boost-factor=0');
    expect(() => buildNodeTopology(spec('geth', 'lodestar', { mevBoost, builderBoostFactor: -1 }), hostOf)).toThrow(ConfigError);
  });
});

describe('validator keys', () => {
  it('refuses a web3signer URL for lighthouse, naming the field', () => {
    expect(() =>
      buildNodeTopology(spec('geth', 'lighthouse', { validatorKeys: { kind: 'web3signer', url: W3S } }), hostOf),
    ).toThrow(/validatorKeys.*web3signer/);
  });

  it.each(['prysm', 'teku', 'nimbus', 'lodestar', 'grandine'] as const)(
    'points the %s validator at a web3signer and mounts no secret',
    (cl) => {
      // GIVEN keys held by a web3signer WHEN the topology is built
      const topology = buildNodeTopology(spec('besu', cl, { validatorKeys: { kind: 'web3signer', url: W3S } }), hostOf);
      const holder = component(topology, cl === 'grandine' ? 'beacon' : 'validator');
      // THEN the signer flags are there, nothing is deployed for the signer and no key secret is mounted
      for (const arg of WEB3SIGNER_ARGS[cl](W3S)) expect(holder.args).toContain(arg);
      expect(topology.containers.some((c) => c.component === 'web3signer')).toBe(false);
      expect(holder.secretMounts.some((m) => m.source.kind === 'external')).toBe(false);
      if (cl !== 'grandine') expect(holder.initContainers).toEqual([]);
    },
  );

  const keys = { validatorKeys: { kind: 'kubernetes-secret' as const, secretName: 'my-keys' } };

  it.each(['lighthouse', 'prysm', 'teku', 'nimbus', 'lodestar', 'grandine'] as const)(
    'GIVEN an AWS Secrets Manager secret THEN the %s validator mounts it like a Kubernetes Secret and imports its keys',
    (cl) => {
      const secretId = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/keys-AbCdEf';
      const fromAws = buildNodeTopology(spec('geth', cl, { validatorKeys: { kind: 'aws-secret', secretId } }), hostOf);
      const fromKubernetes = buildNodeTopology(spec('geth', cl, keys), hostOf);
      const holder = (t: NodeTopology) => component(t, cl === 'grandine' ? 'beacon' : 'validator');
      expect(holder(fromAws).secretMounts).toContainEqual({ source: { kind: 'aws-secret', secretId }, mountPath: '/secrets/validator-keys' });
      expect(holder(fromAws).args).toEqual(holder(fromKubernetes).args);
      expect(holder(fromAws).initContainers).toEqual(holder(fromKubernetes).initContainers);
    },
  );

  it('imports lighthouse keystores with the shared password in an init container', () => {
    const validator = component(buildNodeTopology(spec('geth', 'lighthouse', keys), hostOf), 'validator');
    expect(validator.initContainers).toEqual([
      {
        name: 'import-keys',
        image: `sigp/lighthouse:${CONSENSUS.lighthouse.defaultVersion}`,
        command: ['lighthouse'],
        args: [
          'account',
          'validator',
          'import',
          '--network=mainnet',
          '--datadir=/data',
          '--directory=/secrets/validator-keys',
          '--password-file=/secrets/validator-keys/password.txt',
          '--reuse-password',
        ],
      },
    ]);
    expect(flagValue(validator.args, '--datadir')).toBe('/data');
  });

  it('imports prysm keystores into a wallet whose password lives on the data volume', () => {
    const validator = component(buildNodeTopology(spec('geth', 'prysm', keys), hostOf), 'validator');
    expect(flagValue(validator.args, '--wallet-dir')).toBe('/data/wallet');
    expect(flagValue(validator.args, '--wallet-password-file')).toBe('/data/wallet-password.txt');
    const [init] = validator.initContainers;
    expect(init?.command).toEqual(['/bin/bash', '-c']);
    const script = init?.args.join('\n') ?? '';
    expect(script).toContain('accounts import');
    expect(script).toContain('--keys-dir=/secrets/validator-keys');
    expect(script).toContain('--account-password-file=/secrets/validator-keys/password.txt');
    expect(script).toContain('umask 077');
  });

  it('creates an empty prysm wallet when no keys are given, so the validator can start', () => {
    const validator = component(buildNodeTopology(spec('geth', 'prysm'), hostOf), 'validator');
    expect(validator.initContainers.map((i) => i.name)).toEqual(['create-wallet']);
    const script = validator.initContainers[0]?.args.join('\n') ?? '';
    expect(script).toContain('wallet create');
    expect(script).toContain('--keymanager-kind=imported');
    expect(script).toContain('if [ -d /data/wallet/direct ]; then exit 0; fi');
  });

  it('gives teku a rebuilt copy of the keystores with one password file per keystore', () => {
    const validator = component(buildNodeTopology(spec('geth', 'teku', keys), hostOf), 'validator');
    expect(flagValue(validator.args, '--validator-keys')).toBe('/data/validator-keys:/data/validator-passwords');
    const script = validator.initContainers[0]?.args.join('\n') ?? '';
    expect(script).toContain('rm -rf /data/validator-keys /data/validator-passwords');
    expect(script).toContain('cp /secrets/validator-keys/password.txt "/data/validator-passwords/$name.txt"');
  });

  it('lays out nimbus keys as validators/0x<pubkey>/keystore.json and keeps the slashing database', () => {
    const validator = component(buildNodeTopology(spec('geth', 'nimbus', keys), hostOf), 'validator');
    expect(flagValue(validator.args, '--validators-dir')).toBe('/data/validators');
    expect(flagValue(validator.args, '--secrets-dir')).toBe('/data/secrets');
    const script = validator.initContainers[0]?.args.join('\n') ?? '';
    expect(script).toContain('rm -rf /data/validators/0x* /data/secrets/0x*');
    expect(script).toContain('keystore.json');
    expect(script).not.toContain('slashing');
  });

  it('imports lodestar keystores and keeps the keymanager on so a keyless validator stays up', () => {
    const withKeys = component(buildNodeTopology(spec('geth', 'lodestar', keys), hostOf), 'validator');
    expect(withKeys.initContainers[0]?.args).toEqual([
      'validator',
      'import',
      '--network=mainnet',
      '--dataDir=/data',
      '--importKeystores=/secrets/validator-keys',
      '--importKeystoresPassword=/secrets/validator-keys/password.txt',
    ]);
    const keyless = component(buildNodeTopology(spec('geth', 'lodestar'), hostOf), 'validator');
    expect(keyless.args).toContain('--keymanager');
  });

  it('loads grandine keys in place on the beacon node (its built-in validator)', () => {
    const topology = buildNodeTopology(spec('geth', 'grandine', keys), hostOf);
    expect(topology.containers.map((c) => c.component)).toEqual(['execution', 'beacon']);
    const beacon = component(topology, 'beacon');
    expect(flagValue(beacon.args, '--keystore-dir')).toBe('/secrets/validator-keys');
    expect(flagValue(beacon.args, '--keystore-password-file')).toBe('/secrets/validator-keys/password.txt');
    expect(beacon.secretMounts).toContainEqual({ source: { kind: 'external', secretName: 'my-keys' }, mountPath: '/secrets/validator-keys' });
  });
});

describe('image mirrors', () => {
  it('derives the prysm and nimbus validator images next to an overridden beacon repository', () => {
    const prysm = buildNodeTopology(
      spec('geth', 'prysm', { consensus: { client: 'prysm', version: 'v7.0.0', imageRepository: 'registry.local/prysm/beacon-chain' } }),
      hostOf,
    );
    expect(component(prysm, 'beacon').image).toBe('registry.local/prysm/beacon-chain:v7.0.0');
    expect(component(prysm, 'validator').image).toBe('registry.local/prysm/validator:v7.0.0');
    const nimbus = buildNodeTopology(
      spec('geth', 'nimbus', { consensus: { client: 'nimbus', version: 'multiarch-v25.11.0', imageRepository: 'registry.local/statusim/nimbus-eth2' } }),
      hostOf,
    );
    expect(component(nimbus, 'validator').image).toBe('registry.local/statusim/nimbus-validator-client:multiarch-v25.11.0');
  });

  it('uses an execution image override as is', () => {
    const topology = buildNodeTopology(
      spec('besu', 'teku', { execution: { client: 'besu', version: '25.11.0', imageRepository: 'mirror.local/besu' } }),
      hostOf,
    );
    expect(component(topology, 'execution')).toMatchObject({ image: 'mirror.local/besu:25.11.0', version: '25.11.0' });
  });
});

describe('overrides', () => {
  it('merges resource overrides per component over the client sizing', () => {
    const topology = buildNodeTopology(
      spec('geth', 'lighthouse', { resources: { execution: { memoryLimit: '64Gi' }, validator: { cpuLimit: '250m' } } }),
      hostOf,
    );
    expect(component(topology, 'execution').resources).toEqual({ ...EXECUTION.geth.resources.mainnet, memoryLimit: '64Gi' });
    expect(component(topology, 'validator').resources.cpuLimit).toBe('250m');
    expect(component(topology, 'beacon').resources).toEqual(CONSENSUS.lighthouse.resources.mainnet);
  });

  it('replaces storage sizes and refuses a size that is not a positive whole number', () => {
    const topology = buildNodeTopology(spec('geth', 'teku', { executionStorageGi: 4000, consensusStorageGi: 800 }), hostOf);
    expect(component(topology, 'execution').dataVolume?.sizeGi).toBe(4000);
    expect(component(topology, 'beacon').dataVolume?.sizeGi).toBe(800);
    expect(() => buildNodeTopology(spec('geth', 'teku', { executionStorageGi: 0 }), hostOf)).toThrow(/execution\.storageGi/);
  });

  it('maps probe settings, clamps liveness successThreshold to 1 and keeps tcp probes tcp', () => {
    // GIVEN the seed spec's probe settings
    const topology = buildNodeTopology(
      spec('geth', 'teku', {
        liveness: { timeoutSec: 4, checkIntervalSec: 30, failureThreshold: 4, successThreshold: 2, initialDelaySec: 300 },
        readiness: { path: '/readiness_check', timeoutSec: 4, checkIntervalSec: 5, failureThreshold: 2, successThreshold: 2, appStartTimeoutSec: 300 },
      }),
      hostOf,
    );
    // THEN liveness takes the timings with successThreshold 1 (Kubernetes accepts nothing else)
    const beacon = component(topology, 'beacon');
    expect(beacon.liveness).toEqual({
      type: 'tcp',
      port: 5051,
      initialDelaySeconds: 300,
      periodSeconds: 30,
      timeoutSeconds: 4,
      failureThreshold: 4,
      successThreshold: 1,
    });
    // AND readiness keeps its type and port; the path replaces only an http probe's path
    expect(beacon.readiness).toMatchObject({ type: 'http', port: 5051, path: '/readiness_check', periodSeconds: 5, successThreshold: 2 });
    expect(component(topology, 'execution').readiness).toMatchObject({ type: 'tcp', port: 8545, periodSeconds: 5 });
    expect(component(topology, 'execution').readiness?.path).toBeUndefined();
  });
});

describe('refusals', () => {
  it('needs a fee recipient on the validator role', () => {
    const { feeRecipient: _omitted, ...withoutFeeRecipient } = spec('geth', 'teku');
    expect(() => buildNodeTopology(withoutFeeRecipient, hostOf)).toThrow(/feeRecipient/);
    expect(() => buildNodeTopology(spec('geth', 'teku', { feeRecipient: '0x1234' }), hostOf)).toThrow(/0x1234/);
  });

  it('GIVEN the zero address as fee recipient THEN refused: what is sent there is burned', () => {
    expect(() => buildNodeTopology(spec('geth', 'teku', { feeRecipient: '0x0000000000000000000000000000000000000000' }), hostOf)).toThrow(
      /zero address.*burned/,
    );
  });

  it('GIVEN pre-Fusaka releases (geth v1.13.0, lighthouse v4.0.0) THEN the spec is refused naming both versions and minimums', () => {
    const old = spec('geth', 'lighthouse', {
      execution: { client: 'geth', version: 'v1.13.0' },
      consensus: { client: 'lighthouse', version: 'v4.0.0' },
    });
    expect(() => buildNodeTopology(old, hostOf)).toThrow(ConfigError);
    expect(() => buildNodeTopology(old, hostOf)).toThrow(/geth v1\.13\.0 is older than v1\.16\.7.*lighthouse v4\.0\.0 is older than v8\.0\.0/);
  });

  it('GIVEN reth (an archive node) WHEN its volume is below its own minimum THEN refused; at the minimum accepted', () => {
    expect(() => buildNodeTopology(spec('reth', 'teku', { executionStorageGi: 2000 }), hostOf)).toThrow(/reth needs at least 2800 GiB on mainnet, got 2000/);
    const execution = component(buildNodeTopology(spec('reth', 'teku', { executionStorageGi: 2800 }), hostOf), 'execution');
    expect(execution.dataVolume?.sizeGi).toBe(2800);
  });

  it('refuses validator settings on an rpc node, naming them', () => {
    expect(() => buildNodeTopology(spec('geth', 'teku', { role: 'rpc', mevBoost }), hostOf)).toThrow(/feeRecipient, mevBoost/);
  });

  it('refuses graffiti longer than 32 bytes and a checkpoint URL that is not http(s)', () => {
    expect(() => buildNodeTopology(spec('geth', 'teku', { graffiti: 'x'.repeat(33) }), hostOf)).toThrow(/graffiti/);
    expect(buildNodeTopology(spec('geth', 'teku', { graffiti: 'x'.repeat(32) }), hostOf).containers).toHaveLength(3);
    expect(() => buildNodeTopology(spec('geth', 'teku', { checkpointSyncUrl: 'ftp://x' }), hostOf)).toThrow(/checkpointSyncUrl/);
  });
});

describe('mev-boost', () => {
  const base = { network: 'hoodi' as const, image: { version: '1.10' }, relays: [RELAY] };

  it('listens on 0.0.0.0:18550 for the network, with relay check and no min-bid when zero', () => {
    const container = MEV_BOOST.container(base);
    expect(container.args).toEqual(['-hoodi', '-addr', '0.0.0.0:18550', '-relay-check', '-relays', RELAY]);
    expect(container.readiness).toMatchObject({ type: 'http', port: 18550, path: '/eth/v1/builder/status' });
    expect(container.dataVolume).toBeUndefined();
    expect(container.image).toBe('flashbots/mev-boost:1.10');
  });

  it('joins relays, passes min-bid in ETH and can be exposed as a shared service', () => {
    const container = MEV_BOOST.container({ ...base, relays: [RELAY, RELAY.replace('relay.', 'other.')], minBidEth: 0.07, exposure: 'rpc' });
    expect(flagValue(container.args, '-relays')).toBe(`${RELAY},${RELAY.replace('relay.', 'other.')}`);
    expect(flagValue(container.args, '-min-bid')).toBe('0.07');
    expect(container.ports[0]?.exposure).toBe('rpc');
  });

  it('refuses no relays, malformed relays and out-of-range min-bid', () => {
    expect(() => MEV_BOOST.container({ ...base, relays: [] })).toThrow(/relay/);
    expect(() => MEV_BOOST.container({ ...base, relays: ['https://relay.example.org'] })).toThrow(/relay\.example\.org/);
    expect(() => MEV_BOOST.container({ ...base, minBidEth: -1 })).toThrow(/minBidEth/);
    expect(() => MEV_BOOST.container({ ...base, minBidEth: 2_000_000 })).toThrow(/minBidEth/);
  });

  it('refuses sepolia, whose Glamsterdam enshrines proposer-builder separation (EIP-7732)', () => {
    expect(() => MEV_BOOST.container({ ...base, network: 'sepolia' })).toThrow(
      /sepolia runs Glamsterdam \(Amsterdam\/Gloas\), which enshrines proposer-builder separation \(EIP-7732\)/,
    );
  });
});

describe('web3signer', () => {
  it('puts global options before eth2, binds 0.0.0.0 and keeps database credentials in a mounted config', () => {
    const container = WEB3SIGNER.container({
      network: 'hoodi',
      image: { version: WEB3SIGNER.defaultVersion },
      keystoresSecretName: 'signer-keys',
      slashingProtectionDbUrl: 'jdbc:postgresql://db:5432/web3signer',
      configSecretName: 'signer-config',
    });
    const eth2 = container.args.indexOf('eth2');
    expect(container.args.indexOf('--http-listen-host=0.0.0.0')).toBeLessThan(eth2);
    expect(container.args.indexOf('--network=hoodi')).toBeGreaterThan(eth2);
    expect(flagValue(container.args, '--slashing-protection-db-url')).toBe('jdbc:postgresql://db:5432/web3signer');
    expect(hasFlag(container.args, '--slashing-protection-db-password')).toBe(false);
    expect(container.secretMounts).toContainEqual({ source: { kind: 'external', secretName: 'signer-config' }, mountPath: '/secrets/web3signer' });
    expect(container.readiness).toMatchObject({ type: 'http', path: '/upcheck', port: 9000 });
  });
});
