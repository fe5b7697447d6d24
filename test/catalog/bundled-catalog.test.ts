import { describe, expect, it } from 'vitest';
import { CONSENSUS_CLIENTS, EXECUTION_CLIENTS, TARGETS } from '../../modules/clients/types';
import { loadCatalog } from '../../src/catalog/load';
import type { CatalogPlan, NodePlan } from '../../src/catalog/model';
import { BUNDLED_CATALOG } from './helpers';

const catalog = loadCatalog(BUNDLED_CATALOG);
const osb = catalog.toOsbCatalog();
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

describe('the bundled catalog', () => {
  it('keeps every service and plan id across two loads', () => {
    const again = loadCatalog(BUNDLED_CATALOG).toOsbCatalog();
    const ids = (c: typeof osb) => c.services.flatMap((s) => [s.id, ...s.plans.map((p) => `${s.name}/${p.name}=${p.id}`)]);
    expect(ids(again)).toEqual(ids(osb));
  });

  it('uses unique UUIDv5 ids and CLI-friendly, unique names', () => {
    const ids = osb.services.flatMap((s) => [s.id, ...s.plans.map((p) => p.id)]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(osb.services.map((s) => s.name)).size).toBe(osb.services.length);
    for (const service of osb.services) {
      expect(service.name).toMatch(/^[a-z0-9.-]+$/);
      expect(new Set(service.plans.map((p) => p.name)).size).toBe(service.plans.length);
      for (const plan of service.plans) expect(plan.name).toMatch(/^[a-z0-9.-]+$/);
    }
    expect(new Set(catalog.plans.map((p) => p.stackName)).size).toBe(catalog.plans.length);
  });

  it('offers a service per EL x CL pair plus MEV-Boost', () => {
    const names = osb.services.map((s) => s.name);
    for (const el of EXECUTION_CLIENTS) for (const cl of CONSENSUS_CLIENTS) expect(names).toContain(`ovsb-${el}-${cl}`);
    expect(names).toContain('ovsb-mev-boost');
  });

  it('offers validator and rpc plans on every target on mainnet and hoodi, Lido plans on both', () => {
    const plans = catalog.services.find((s) => s.name === 'ovsb-nethermind-teku')!.plans.map((p) => p.name);
    for (const target of TARGETS) {
      for (const network of ['mainnet', 'hoodi']) {
        expect(plans).toContain(`validator-${target}-${network}`);
        expect(plans).toContain(`rpc-${target}-${network}`);
        expect(plans).toContain(`validator-lido-${target}-${network}`);
      }
    }
    expect(plans.some((p) => p.includes('holesky'))).toBe(false);
  });

  it('offers sepolia (Glamsterdam) only for the pairs whose pinned releases follow it, without MEV-Boost', () => {
    expect(catalog.config.networks.map((n) => n.network)).toEqual(['mainnet', 'hoodi', 'sepolia']);
    const onSepolia = new Set(catalog.plans.filter((p) => p.network === 'sepolia').map((p) => p.serviceName));
    const expected = ['nethermind', 'erigon', 'reth'].flatMap((el) =>
      ['lighthouse', 'prysm', 'teku', 'lodestar'].map((cl) => `ovsb-${el}-${cl}`),
    );
    expect([...onSepolia].sort()).toEqual(expected.sort());
    // Enshrined PBS (EIP-7732): no MEV-Boost sidecar, no MEV-Boost plan, no mev_boost parameter.
    const validators = catalog.plans.filter((p): p is NodePlan => p.network === 'sepolia' && p.kind === 'node' && p.role === 'validator');
    expect(validators.length).toBe(expected.length * TARGETS.length);
    for (const plan of validators) {
      expect(plan.mevBoost, plan.stackName).toBeUndefined();
      expect(plan.maintenanceInfo.version, plan.stackName).not.toContain('mev-boost');
      expect(plan.description).toContain('in-protocol builders, no MEV-Boost');
      const properties = (catalog.parameterSchema(plan, 'create') as any).properties;
      expect(properties).not.toHaveProperty('mev_boost');
      expect(properties).not.toHaveProperty('builder_boost_factor');
      expect(Object.keys(properties.resources.properties)).not.toContain('mev-boost');
    }
    const sepolia = catalog.findPlanByRef('reth-teku-validator-kubernetes-sepolia') as NodePlan;
    expect(sepolia.engineApiVersion).toBe(
      'V5 (Amsterdam/Gloas: engine_newPayloadV5, engine_forkchoiceUpdatedV4, engine_getPayloadV6, engine_getPayloadBodiesByHashV2, engine_getPayloadBodiesByRangeV2, engine_getBlobsV4)',
    );
    expect(catalog.plans.filter((p) => p.kind === 'mev-boost').map((p) => p.network)).not.toContain('sepolia');
    const mainnet = catalog.findPlanByRef('reth-teku-validator-kubernetes-mainnet') as NodePlan;
    expect(mainnet.mevBoost?.version).toBe('1.10');
  });

  it('pins releases that follow Fusaka and, where sourced, sepolia, none scheduling the postponed hoodi Glamsterdam', () => {
    expect(Object.fromEntries([...catalog.config.execution].map(([name, release]) => [name, release.version]))).toEqual({
      geth: 'v1.17.10',
      nethermind: '2.3.0',
      besu: '26.10.1',
      erigon: 'v3.8.3',
      reth: 'v2.11.0',
    });
    expect(Object.fromEntries([...catalog.config.consensus].map(([name, release]) => [name, release.version]))).toEqual({
      lighthouse: 'v8.3.3',
      prysm: 'v7.3.3',
      teku: '26.10.2',
      nimbus: 'multiarch-v26.11.2',
      lodestar: 'v1.50.1',
      grandine: '2.0.6',
    });
  });

  it('states in every node plan the Engine API of its network and the real data volume sizes', () => {
    const geth = osb.services.find((s) => s.name === 'ovsb-geth-lighthouse')!.plans.find((p) => p.name === 'validator-aws-mainnet')!;
    expect(geth.metadata['engineApiVersion']).toBe('V4 (Osaka/Fulu: engine_newPayloadV4, engine_forkchoiceUpdatedV3, engine_getPayloadV5, engine_getBlobsV2)');
    expect(geth.metadata['bullets']).toContain(
      'Data volumes: 2000 GiB (execution, at least 1000) and 500 GiB (consensus, at least 200); execution_storage_gi and consensus_storage_gi change them',
    );
    const reth = catalog.findPlanByRef('reth-teku-rpc-kubernetes-mainnet') as NodePlan;
    expect(reth.storage.execution).toEqual({ sizeGi: 3000, minimumGi: 2800, raisedToMinimum: false });
    for (const plan of catalog.plans) {
      if (plan.kind !== 'node') continue;
      const { execution, consensus } = plan.storage;
      expect((catalog.parameterSchema(plan, 'create') as any).properties.execution_storage_gi.minimum, plan.stackName).toBe(execution.minimumGi);
      expect(execution.sizeGi).toBeGreaterThanOrEqual(execution.minimumGi);
      expect(consensus.sizeGi).toBeGreaterThanOrEqual(consensus.minimumGi);
    }
  });

  it('fills every OSB field the spec and the broker rely on', () => {
    for (const service of osb.services) {
      expect(service).toMatchObject({ bindable: true, instances_retrievable: true, bindings_retrievable: true, plan_updateable: true, requires: [] });
      expect(service.description.length).toBeGreaterThan(0);
      expect(service.tags).toContain('ethereum');
      expect(service.plans.length).toBeGreaterThan(0);
      for (const plan of service.plans) {
        expect(plan.maximum_polling_duration).toBe(3600);
        expect(plan.maintenance_info.version).toMatch(SEMVER);
        expect(plan.maintenance_info.description).toBeTruthy();
        expect(plan.description.length).toBeLessThanOrEqual(255);
        expect(plan.metadata).toHaveProperty('displayName');
        expect((plan.metadata['bullets'] as string[]).length).toBeGreaterThan(1);
        const { create, update } = plan.schemas.service_instance;
        for (const schema of [create.parameters, update.parameters, plan.schemas.service_binding.create.parameters]) {
          expect(schema).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false });
          expect(JSON.stringify(schema).length).toBeLessThan(64 * 1024);
          // Spec: no external references; internal ones (#/definitions/...) are allowed.
          for (const ref of JSON.stringify(schema).matchAll(/"\$ref":"([^"]*)"/g)) expect(ref[1]).toMatch(/^#\/definitions\//);
        }
      }
    }
  });

  it('says "no nodes run" in every sandbox plan description', () => {
    for (const plan of catalog.plans.filter((p) => p.target === 'sandbox')) expect(plan.description).toMatch(/no nodes run/);
    for (const plan of catalog.plans.filter((p) => p.target !== 'sandbox')) expect(plan.description).not.toMatch(/no nodes run/);
  });

  it('puts client names, versions, Engine API version and an unknown diversity status in node service metadata', () => {
    const service = osb.services.find((s) => s.name === 'ovsb-geth-lodestar')!;
    expect(service.metadata).toMatchObject({
      displayName: expect.any(String),
      clients: { execution: { name: 'geth', version: 'v1.17.10' }, consensus: { name: 'lodestar', version: 'v1.50.1' } },
      engineApiVersion: 'V4 (Osaka/Fulu: engine_newPayloadV4, engine_forkchoiceUpdatedV3, engine_getPayloadV5, engine_getBlobsV2)',
      diversity: {
        status: 'unknown',
        execution: 'unknown',
        consensus: 'unknown',
        incentives: [{ client: 'lodestar', description: expect.stringContaining('minority'), feeMultiplier: 0.9 }],
      },
    });
  });

  it('lets the diversity module overlay live status without changing ids', () => {
    const live = catalog.toOsbCatalog({
      diversity: (s) => ({ status: s.consensus.client === 'lighthouse' ? 'majority' : 'minority', execution: 'warn', consensus: 'minority', source: 'test data' }),
    });
    const service = live.services.find((s) => s.name === 'ovsb-geth-lighthouse')!;
    expect(service.metadata['diversity']).toMatchObject({ status: 'majority', execution: 'warn', source: 'test data' });
    expect(live.services.map((s) => s.id)).toEqual(osb.services.map((s) => s.id));
  });

  it('derives maintenance_info from the client versions of the plan', () => {
    const plan = catalog.findPlanByRef('geth-lighthouse-validator-kubernetes-mainnet')!;
    // geth v1.17.10 + lighthouse v8.3.3 + mev-boost 1.10, component-wise.
    expect(plan.maintenanceInfo.version).toBe('10.30.13+geth-v1-17-10.lighthouse-v8-3-3.mev-boost-1-10');
    const rpc = catalog.findPlanByRef('geth-lighthouse-rpc-kubernetes-mainnet')!;
    expect(rpc.maintenanceInfo.version).toBe('9.20.13+geth-v1-17-10.lighthouse-v8-3-3');
  });

  it('finds plans by id (within their service), stack name and service/plan name', () => {
    const plan = catalog.findPlanByRef('ovsb-besu-nimbus/rpc-aws-hoodi') as CatalogPlan;
    expect(plan.stackName).toBe('besu-nimbus-rpc-aws-hoodi');
    expect(catalog.findPlan(plan.serviceId, plan.id)).toBe(plan);
    expect(catalog.findPlan(catalog.services[0]!.id === plan.serviceId ? catalog.services[1]!.id : catalog.services[0]!.id, plan.id)).toBeUndefined();
    expect(catalog.findPlanByRef(plan.id)).toBe(plan);
    expect(catalog.findService(plan.serviceId)?.name).toBe('ovsb-besu-nimbus');
    expect(catalog.findPlanByRef('mev-boost-aws-hoodi')?.kind).toBe('mev-boost');
  });

  it('compiles every plan schema with ajv and accepts each plan\'s example parameters', () => {
    expect(catalog.compileAllSchemas()).toBeGreaterThan(3);
    for (const plan of catalog.plans) {
      const result = catalog.validateParameters(plan, catalog.exampleParameters(plan), 'create');
      expect(result, plan.stackName).toEqual({ ok: true, parameters: catalog.exampleParameters(plan) });
      expect(catalog.validateParameters(plan, {}, 'update').ok).toBe(true);
      expect(catalog.validateParameters(plan, { scopes: ['pool:validator.abc:read.basic'] }, 'bind').ok).toBe(true);
    }
  });

  it('gives grandine plans no separate validator client', () => {
    const plan = catalog.findPlanByRef('geth-grandine-validator-kubernetes-hoodi')!;
    expect(plan.kind === 'node' && plan.separateValidatorClient).toBe(false);
    const schema = catalog.parameterSchema(plan, 'create') as any;
    expect(Object.keys(schema.properties.resources.properties)).toEqual(['execution', 'beacon', 'mev-boost']);
  });
});
