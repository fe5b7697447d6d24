import { describe, expect, it } from 'vitest';
import { EXAMPLE_FEE_RECIPIENT } from '../../src/catalog/examples';
import { loadCatalog, parseCatalog } from '../../src/catalog/load';
import type { MevBoostPlan, NodePlan } from '../../src/catalog/model';
import { OsbError } from '../../src/errors';
import { instanceNameFor, resolveMevBoostStackProps, resolveNodeStackProps, resolveStackProps } from '../../src/topology';
import { BUNDLED_CATALOG, bundledText, minimalCatalog, toYaml } from '../catalog/helpers';

const catalog = loadCatalog(BUNDLED_CATALOG);
const node = (ref: string) => catalog.findPlanByRef(ref) as NodePlan;
const RELAY = 'https://0xac6e77dfe25ecd6110b8e780608cce0dab71fdd5ebea22a16c0205200f2f8e2e3ad3b71d3499c54ad14d6c21b41a37ae@boost-relay.flashbots.net';
const mainnetRelays = catalog.network('mainnet').defaultRelays;

describe('resolveNodeStackProps', () => {
  it('GIVEN a validator plan and its minimal parameters THEN the catalog supplies clients, MEV-Boost and target defaults', () => {
    const props = resolveNodeStackProps(catalog, node('nethermind-lighthouse-validator-aws-mainnet'), { fee_recipient: EXAMPLE_FEE_RECIPIENT }, { instanceName: 'i-abc' });
    expect(props).toEqual({
      instanceName: 'i-abc',
      target: 'aws',
      aws: { region: 'us-east-1' },
      network: 'mainnet',
      role: 'validator',
      execution: { client: 'nethermind', version: '2.3.0' },
      consensus: { client: 'lighthouse', version: 'v8.3.3' },
      feeRecipient: EXAMPLE_FEE_RECIPIENT,
      mevBoost: { version: '1.10', relays: mainnetRelays, minBidEth: 0 },
    });
  });

  it('GIVEN every parameter THEN each maps to its camelCase prop', () => {
    const props = resolveNodeStackProps(
      catalog,
      node('geth-teku-validator-kubernetes-hoodi'),
      {
        fee_recipient: EXAMPLE_FEE_RECIPIENT,
        graffiti: 'g',
        checkpoint_sync_url: 'https://checkpoint.example.org',
        mev_boost: { relays: [RELAY], min_bid_eth: 0.02 },
        builder_boost_factor: 90,
        validator_keys: { kubernetes_secret: 'keys' },
        validator_count: 4,
        doppelganger_protection: false,
        execution_storage_gi: 300,
        consensus_storage_gi: 120,
        resources: { beacon: { cpu_request: '2', memory_limit: '16Gi' } },
        liveness: { path: '/live', timeout_sec: 3 },
        readiness: { check_interval_sec: 10 },
      },
      { instanceName: 'i-abc', backend: { kind: 'pg', schemaName: 'i_abc' }, targetDefaults: { kubernetes: { storageClassName: 'fast' } } },
    );
    expect(props).toMatchObject({
      backend: { kind: 'pg', schemaName: 'i_abc' },
      kubernetes: { storageClassName: 'fast' },
      graffiti: 'g',
      checkpointSyncUrl: 'https://checkpoint.example.org',
      mevBoost: { relays: [RELAY], minBidEth: 0.02 },
      builderBoostFactor: 90,
      validatorKeys: { kind: 'kubernetes-secret', secretName: 'keys' },
      doppelgangerProtection: false,
      executionStorageGi: 300,
      consensusStorageGi: 120,
      resources: { beacon: { cpuRequest: '2', memoryLimit: '16Gi' } },
      // Unset probe fields take the seed defaults (the Kubernetes target applies its own limits).
      liveness: { path: '/live', timeoutSec: 3, checkIntervalSec: 30, failureThreshold: 4, successThreshold: 2, initialDelaySec: 300 },
      readiness: { timeoutSec: 4, checkIntervalSec: 10, failureThreshold: 2, successThreshold: 2, appStartTimeoutSec: 300 },
    });
  });


  it('maps a Web3Signer reference', () => {
    const props = resolveNodeStackProps(
      catalog,
      node('geth-teku-validator-aws-hoodi'),
      { fee_recipient: EXAMPLE_FEE_RECIPIENT, validator_keys: { web3signer_url: 'https://signer.internal:9000' } },
      { instanceName: 'i-abc' },
    );
    expect(props.validatorKeys).toEqual({ kind: 'web3signer', url: 'https://signer.internal:9000' });
  });

  it('leaves MEV-Boost out when disabled, and out of rpc plans', () => {
    const disabled = resolveNodeStackProps(catalog, node('reth-nimbus-validator-sandbox-hoodi'), { fee_recipient: EXAMPLE_FEE_RECIPIENT, mev_boost: { enabled: false } }, { instanceName: 'i-abc' });
    expect(disabled.mevBoost).toBeUndefined();
    const rpc = resolveNodeStackProps(catalog, node('reth-nimbus-rpc-sandbox-hoodi'), {}, { instanceName: 'i-abc' });
    expect(rpc).toEqual({
      instanceName: 'i-abc',
      target: 'sandbox',
      network: 'hoodi',
      role: 'rpc',
      execution: { client: 'reth', version: 'v2.11.0' },
      consensus: { client: 'nimbus', version: 'multiarch-v26.11.2' },
    });
  });

  it('defaults the builder boost factor of Lido plans to Lido\'s 100', () => {
    const lido = node('erigon-lodestar-validator-lido-kubernetes-mainnet');
    const props = resolveNodeStackProps(catalog, lido, catalog.exampleParameters(lido), { instanceName: 'i-abc' });
    expect(props.builderBoostFactor).toBe(100);
    expect(props.feeRecipient).toBe('0x388C818CA8B9251b393131C08a736A67ccB19297');
  });

  it('GIVEN a sepolia validator plan (enshrined PBS) THEN no MEV-Boost and no Lido builder boost factor, and mev_boost is no parameter', () => {
    const plan = node('reth-teku-validator-kubernetes-sepolia');
    expect(plan.mevBoost).toBeUndefined();
    const props = resolveNodeStackProps(catalog, plan, { fee_recipient: EXAMPLE_FEE_RECIPIENT }, { instanceName: 'i-abc' });
    expect(props.mevBoost).toBeUndefined();
    expect(props.builderBoostFactor).toBeUndefined();
    const validation = catalog.validateParameters(plan, { fee_recipient: EXAMPLE_FEE_RECIPIENT, mev_boost: { enabled: true } }, 'create');
    expect(validation.ok).toBe(false);
    const lidoText = bundledText()
      .replace('  sepolia:\n    diversity: { warn: 0.33, refuse: 0.66 }\n', '  sepolia:\n    diversity: { warn: 0.33, refuse: 0.66 }\n    lido: plans\n');
    const withLido = parseCatalog(lidoText, 'lido.yaml');
    const lido = withLido.findPlanByRef('reth-teku-validator-lido-kubernetes-sepolia') as NodePlan;
    const example = withLido.exampleParameters(lido);
    expect(example).not.toHaveProperty('mev_boost');
    expect(withLido.validateParameters(lido, example, 'create').ok).toBe(true);
    expect(resolveNodeStackProps(withLido, lido, example, { instanceName: 'i-abc' }).builderBoostFactor).toBeUndefined();
  });

  it('takes image repositories and checkpoint URLs from catalog.yaml', () => {
    const text = bundledText()
      .replace('geth:       { version: v1.17.10 }', 'geth:       { version: v1.17.10, image_repository: mirror.example.com/ethereum/client-go }')
      .replace('  hoodi:\n    diversity:', '  hoodi:\n    checkpoint_sync_url: https://hoodi.checkpoint.example.org\n    diversity:');
    const custom = parseCatalog(text, 'custom.yaml');
    const props = resolveNodeStackProps(custom, custom.findPlanByRef('geth-prysm-rpc-kubernetes-hoodi') as NodePlan, {}, { instanceName: 'i-abc' });
    expect(props.execution).toEqual({ client: 'geth', version: 'v1.17.10', imageRepository: 'mirror.example.com/ethereum/client-go' });
    expect(props.checkpointSyncUrl).toBe('https://hoodi.checkpoint.example.org');
  });

  it('refuses MEV-Boost with no relays at all, naming the parameter', () => {
    const text = toYaml({ ...minimalCatalog(), networks: { hoodi: {} } });
    const custom = parseCatalog(text, 'custom.yaml');
    const plan = custom.findPlanByRef('geth-prysm-validator-kubernetes-hoodi') as NodePlan;
    const validation = custom.validateParameters(plan, { fee_recipient: EXAMPLE_FEE_RECIPIENT }, 'create');
    expect(!validation.ok && validation.errors[0]!.field).toBe('mev_boost.relays');
    expect(() => resolveNodeStackProps(custom, plan, { fee_recipient: EXAMPLE_FEE_RECIPIENT }, { instanceName: 'i-abc' })).toThrow(OsbError);
    expect(() => resolveNodeStackProps(custom, plan, { fee_recipient: EXAMPLE_FEE_RECIPIENT }, { instanceName: 'i-abc' })).toThrow(/mev_boost.relays is required/);
  });
});

describe('resolveMevBoostStackProps', () => {
  it('uses the network\'s default relays unless given', () => {
    const plan = catalog.findPlanByRef('mev-boost-kubernetes-mainnet') as MevBoostPlan;
    expect(resolveMevBoostStackProps(catalog, plan, {}, { instanceName: 'i-m' })).toEqual({
      instanceName: 'i-m',
      target: 'kubernetes',
      network: 'mainnet',
      version: '1.10',
      relays: mainnetRelays,
      minBidEth: 0,
    });
    expect(resolveStackProps(catalog, plan, { relays: [RELAY], min_bid_eth: 0.1 }, { instanceName: 'i-m' })).toMatchObject({
      kind: 'mev-boost',
      props: { relays: [RELAY], minBidEth: 0.1 },
    });
  });
});

describe('instanceNameFor', () => {
  it('is a stable DNS label derived from a hash, never the raw id', () => {
    const id = 'Platform/ID with spaces & ../..';
    const name = instanceNameFor(id);
    expect(name).toMatch(/^i-[a-z2-7]{16}$/);
    expect(instanceNameFor(id)).toBe(name);
    expect(instanceNameFor(`${id}x`)).not.toBe(name);
    expect(name).not.toContain('platform');
  });

  it('spreads ids over distinct names', () => {
    const names = new Set(Array.from({ length: 2000 }, (_, i) => instanceNameFor(`instance-${i}`)));
    expect(names.size).toBe(2000);
  });
});
