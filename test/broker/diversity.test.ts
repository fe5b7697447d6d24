/**
 * Client diversity and Lido mode in the running broker, over HTTP: provisions and plan changes refused by
 * the policy with an explanatory OSB error, warnings in the operation description (to the end) and the
 * log, a burst of concurrent provisions judged on what it adds up to (one broker or two replicas), the
 * catalog's live diversity status, GET /diversity, /diversity/suggestions and /metrics.
 */
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan } from '../../src/catalog/model';
import type { DiversityData } from '../../src/diversity';
import { LIVE_INSTANCE_STATES } from '../../src/operations/types';
import type { ProvisionPolicy } from '../../src/service/policy';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { CREDENTIALS, createHarness, osb, type Engine, type Harness } from './harness';

const AUTH = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;
const FEE_RECIPIENT = '0x52908400098527886E0F7030069857D2E4169EE7';

/** These tests are about diversity: the clock stands before any fork's refusal window opens. */
const BEFORE_FORK_WINDOWS = (): Date => new Date('2026-11-01T00:00:00Z');

/** Published hoodi shares: lighthouse and geth over the refuse threshold (66%), the rest small. */
const HOODI_SKEWED: DiversityData = {
  networks: {
    hoodi: {
      consensus: {
        source: 'test crawler',
        url: 'http://127.0.0.1/consensus.json',
        date: '2026-11-01',
        shares: { lighthouse: 0.7, prysm: 0.1, teku: 0.08, nimbus: 0.06, lodestar: 0.03, grandine: 0.03 },
      },
      execution: {
        source: 'test survey',
        url: 'http://127.0.0.1/execution.json',
        date: '2026-11-01',
        shares: { geth: 0.3, nethermind: 0.3, besu: 0.2, erigon: 0.1, reth: 0.1 },
      },
    },
  },
};

function hoodiPlan(h: Harness, consensus: string, options: { lido?: boolean; execution?: string } = {}): NodePlan {
  const plan = h.catalog.plans.find(
    (p): p is NodePlan =>
      p.kind === 'node' &&
      p.target === 'sandbox' &&
      p.network === 'hoodi' &&
      p.role === 'validator' &&
      p.lido === (options.lido ?? false) &&
      p.consensus.client === consensus &&
      (options.execution === undefined || p.execution.client === options.execution),
  );
  if (plan === undefined) throw new Error(`no hoodi sandbox validator plan with ${consensus}`);
  return plan;
}

const provision = (h: Harness, id: string, plan: NodePlan, parameters: Record<string, unknown> = { fee_recipient: FEE_RECIPIENT }) =>
  osb(h.app).put(`/v2/service_instances/${id}?accepts_incomplete=true`).send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, parameters });

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('GIVEN published shares with lighthouse at 70% on hoodi and the built-in policies', () => {
  it.each([
    ['lighthouse (70%, above refuse 66%)', 'lighthouse', 422],
    ['teku (8%, below warn)', 'teku', 202],
    ['prysm (10%)', 'prysm', 202],
  ])('WHEN a validator with %s is provisioned THEN %s', async (_name, consensus, status) => {
    h = await createHarness({ engine: 'sqlite', hold: true, builtInPolicies: true, clock: BEFORE_FORK_WINDOWS, diversityData: HOODI_SKEWED });
    const res = await provision(h, `div-${consensus}`, hoodiPlan(h, consensus));
    expect(res.status).toBe(status);
    if (status === 422) {
      expect(res.body.error).toBe('DiversityPolicy');
      // The description names the client, its share, the threshold and the minority clients to pick.
      expect(res.body.description).toContain('lighthouse would hold 70%');
      expect(res.body.description).toContain('refuse threshold of 66%');
      expect(res.body.description).toMatch(/Pick a minority consensus client instead: .*teku/);
      const fetched = await osb(h.app).get(`/v2/service_instances/div-${consensus}`);
      expect(fetched.status).toBe(404);
    }
  });

  it('WHEN an RPC node of lighthouse changes plan to a validator plan THEN the plan change is refused and the plan kept', async () => {
    h = await createHarness({ engine: 'sqlite', builtInPolicies: true, clock: BEFORE_FORK_WINDOWS, diversityData: HOODI_SKEWED });
    const validator = hoodiPlan(h, 'lighthouse', { execution: 'besu' });
    const rpc = h.catalog.plans.find(
      (p): p is NodePlan => p.kind === 'node' && p.serviceId === validator.serviceId && p.role === 'rpc' && p.target === 'sandbox' && p.network === 'hoodi',
    )!;
    // RPC nodes run no validators: the policy lets them through whatever the client.
    expect((await provision(h, 'div-plan-change', rpc, {})).status).toBe(202);
    await h.settle();
    const res = await osb(h.app)
      .patch('/v2/service_instances/div-plan-change?accepts_incomplete=true')
      .send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: rpc.serviceId, plan_id: validator.id, parameters: { fee_recipient: FEE_RECIPIENT } });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('DiversityPolicy');
    expect(res.body.description).toContain("lighthouse would hold 70% of hoodi's consensus clients (test crawler, 2026-11-01)");
    const fetched = await osb(h.app).get('/v2/service_instances/div-plan-change');
    expect(fetched.body.plan_id).toBe(rpc.id);
  });
});

describe('GIVEN no published shares for hoodi (operator scope only) and the built-in policies', () => {
  it('WHEN the first validators use lighthouse THEN accepted with a warning; WHEN more lighthouse THEN refused; WHEN teku THEN accepted', async () => {
    h = await createHarness({ engine: 'sqlite', hold: true, builtInPolicies: true, clock: BEFORE_FORK_WINDOWS, diversityData: { networks: {} } });
    const first = await provision(h, 'op-1', hoodiPlan(h, 'lighthouse', { execution: 'geth' }));
    expect(first.status).toBe(202);
    // The warning is in the operation description while it is queued (and in the log).
    const polled = await osb(h.app).get('/v2/service_instances/op-1/last_operation');
    expect(polled.body.description).toContain('Policy warnings: client-diversity:');
    expect(polled.body.description).toContain("100% of this operator's validators on hoodi");

    // Another execution client, so only the consensus layer (lighthouse 100%) is over the limit.
    const second = await provision(h, 'op-2', hoodiPlan(h, 'lighthouse', { execution: 'besu' }));
    expect(second.status).toBe(422);
    expect(second.body.error).toBe('DiversityPolicy');
    expect(second.body.description).toContain("lighthouse would hold 100% of this operator's validators on hoodi");

    const teku = await provision(h, 'op-3', hoodiPlan(h, 'teku', { execution: 'nethermind' }));
    expect(teku.status).toBe(202);
  });

  it('WHEN validators are accepted with a warning THEN it is logged with the client, share and threshold, and the final description keeps it', async () => {
    h = await createHarness({ engine: 'sqlite', hold: true, builtInPolicies: true, clock: BEFORE_FORK_WINDOWS, diversityData: { networks: {} } });
    const res = await provision(h, 'warned-1', hoodiPlan(h, 'lighthouse', { execution: 'geth' }));
    expect(res.status).toBe(202);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        instanceId: 'warned-1',
        operationId: res.body.operation,
        policy: 'client-diversity',
        msg: expect.stringContaining("lighthouse would hold 100% of this operator's validators on hoodi"),
        findings: expect.arrayContaining([{ network: 'hoodi', scope: 'operator', layer: 'consensus', client: 'lighthouse', share: 1, threshold: 0.66 }]),
      }),
    );
    await h.runQueued();
    const done = await osb(h.app).get('/v2/service_instances/warned-1/last_operation');
    expect(done.body.state).toBe('succeeded');
    expect(done.body.description).toMatch(/^Provisioned\. Policy warnings: client-diversity: Client-diversity warning: /);
    expect(done.body.description).toContain("lighthouse would hold 100% of this operator's validators on hoodi");
  });

  it('WHEN an update raises validator_count of the majority client past the limit THEN it is refused and the instance is unchanged', async () => {
    h = await createHarness({ engine: 'sqlite', builtInPolicies: true, clock: BEFORE_FORK_WINDOWS, diversityData: { networks: {} } });
    const lighthouse = hoodiPlan(h, 'lighthouse', { execution: 'geth' });
    const params = (count: number) => ({ fee_recipient: FEE_RECIPIENT, validator_count: count });
    expect((await provision(h, 'up-1', lighthouse, params(2))).status).toBe(202);
    expect((await provision(h, 'up-2', hoodiPlan(h, 'teku', { execution: 'besu' }), params(4))).status).toBe(202);
    expect((await provision(h, 'up-3', hoodiPlan(h, 'lighthouse', { execution: 'nethermind' }), params(1))).status).toBe(202);
    await h.settle();
    // lighthouse 3/7 -> 9/13 of the operator's validators; prysm for up-1 would stay at 8/13, below 66%.
    const res = await osb(h.app)
      .patch('/v2/service_instances/up-1?accepts_incomplete=true')
      .send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: lighthouse.serviceId, parameters: { validator_count: 8 } });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('DiversityPolicy');
    expect(res.body.description).toContain("lighthouse would hold 69.2% of this operator's validators on hoodi");
    const fetched = await osb(h.app).get('/v2/service_instances/up-1');
    expect(fetched.body.parameters.validator_count).toBe(2);
    // An update that adds no lighthouse validators goes through, with the warning recorded.
    const smaller = await osb(h.app)
      .patch('/v2/service_instances/up-1?accepts_incomplete=true')
      .send({ organization_guid: 'org-1', space_guid: 'space-1', service_id: lighthouse.serviceId, parameters: { validator_count: 1 } });
    expect(smaller.status).toBe(202);
  });
});

describe('GIVEN no published shares for hoodi, an empty ledger and the built-in policies, WHEN lighthouse validators are provisioned all at once', () => {
  let postgres: TestPostgres | undefined;
  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => {
    await postgres?.stop();
  });
  const BURST = 4;
  // An operator policy that asks something remote after the diversity check: each decision spans turns of
  // the event loop between reading the ledger and storing the operation, so the requests really overlap.
  const remoteCheck: ProvisionPolicy = {
    name: 'remote-check',
    evaluate: async () => {
      await new Promise((resolve) => setTimeout(resolve, 25));
      return { verdict: 'allow' };
    },
  };
  const harness = (engine: Engine, databaseUrl?: string) =>
    createHarness({
      engine,
      ...(engine === 'postgres' && postgres !== undefined && { postgres }),
      ...(databaseUrl !== undefined && { databaseUrl }),
      hold: true,
      policiesAfter: [remoteCheck],
      builtInPolicies: true, clock: BEFORE_FORK_WINDOWS,
      diversityData: { networks: {} },
    });

  /** Each alone would pass (the first validators of an operator); together they are 100% lighthouse. */
  async function burst(brokers: readonly Harness[]): Promise<number[]> {
    const plan = hoodiPlan(brokers[0]!, 'lighthouse', { execution: 'geth' });
    const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => provision(brokers[i % brokers.length]!, `burst-${i}`, plan)));
    for (const refused of answers.filter((a) => a.status === 422)) {
      expect(refused.body.error).toBe('DiversityPolicy');
      expect(refused.body.description).toContain("lighthouse would hold 100% of this operator's validators on hoodi");
    }
    return answers.map((a) => a.status).sort();
  }

  it.each<Engine>(['sqlite', 'postgres'])('THEN on %s one is accepted and the rest are judged on the ledger that holds it', async (engine) => {
    h = await harness(engine);
    expect(await burst([h])).toEqual([202, ...Array<number>(BURST - 1).fill(422)]);
    expect(await h.storage.listInstances({ states: LIVE_INSTANCE_STATES })).toHaveLength(1);
  });

  it('THEN across two broker replicas on one PostgreSQL database as well', async () => {
    h = await harness('postgres');
    const replica = await harness('postgres', h.databaseUrl);
    try {
      expect(await burst([h, replica])).toEqual([202, ...Array<number>(BURST - 1).fill(422)]);
      expect(await replica.storage.listInstances({ states: LIVE_INSTANCE_STATES })).toHaveLength(1);
    } finally {
      await replica.close();
    }
  });
});

describe('GIVEN a Lido plan on hoodi and the built-in policies', () => {
  it.each([
    ['a fee recipient that is not the Lido vault', { fee_recipient: FEE_RECIPIENT }, 422, /\[fee-recipient\].*0x9b108015fe433F173696Af3Aa0CF7CDb3E104258/],
    [
      'a relay not on the allow-list',
      {
        fee_recipient: '0x9b108015fe433F173696Af3Aa0CF7CDb3E104258',
        mev_boost: { relays: ['https://0x845bd072b7cd566f02faeb0a4033ce9399e42839ced64e8b2adcfc859ed1e8e1a5a293336a49feac6d9a5edb779be53a@boost-relay-sepolia.flashbots.net'] },
      },
      422,
      /\[relay-allow-list\].*mandatory-relay/s,
    ],
    ['min-bid above 0.07 ETH', { fee_recipient: '0x9b108015fe433F173696Af3Aa0CF7CDb3E104258', mev_boost: { min_bid_eth: 0.1 } }, 422, /\[min-bid\]/],
    ['builder boost factor 90', { fee_recipient: '0x9b108015fe433F173696Af3Aa0CF7CDb3E104258', builder_boost_factor: 90 }, 422, /\[builder-boost-factor\]/],
    ['the Lido vault and the default relays', { fee_recipient: '0x9b108015fe433F173696Af3Aa0CF7CDb3E104258' }, 202, undefined],
  ])('WHEN provisioned with %s THEN %s', async (_name, parameters, status, rule) => {
    h = await createHarness({ engine: 'sqlite', hold: true, builtInPolicies: true, clock: BEFORE_FORK_WINDOWS, diversityData: { networks: {} } });
    const res = await provision(h, 'lido-1', hoodiPlan(h, 'teku', { lido: true }), parameters);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (rule !== undefined) {
      expect(res.body.error).toBe('LidoPolicy');
      expect(res.body.description).toMatch(rule);
    }
  });
});

describe('GIVEN the bundled mainnet shares (lighthouse 51%, geth 42.8%, nethermind 42.9%)', () => {
  it('THEN the catalog shows each node service its diversity status with incentives', async () => {
    h = await createHarness({ engine: 'sqlite' });
    const res = await osb(h.app).get('/v2/catalog');
    type Service = { name: string; metadata: { clients: { execution?: { name: string }; consensus?: { name: string } }; diversity?: Record<string, unknown> } };
    const services = res.body.services as Service[];
    const find = (el: string, cl: string) => services.find((s) => s.metadata.clients.execution?.name === el && s.metadata.clients.consensus?.name === cl)!;
    expect(find('geth', 'lighthouse').metadata.diversity).toMatchObject({ status: 'majority', execution: 'warn', consensus: 'majority', network: 'mainnet' });
    expect(find('erigon', 'lodestar').metadata.diversity).toMatchObject({ status: 'minority', execution: 'minority', consensus: 'minority' });
    expect((find('erigon', 'lodestar').metadata.diversity!['incentives'] as { client: string }[]).map((i) => i.client).sort()).toEqual(['erigon', 'lodestar']);
    expect(find('geth', 'lighthouse').metadata.diversity!['source']).toContain('Miga Labs');
    // Every node service carries a status; ids are those of the plain catalog.
    expect(services.filter((s) => s.metadata.clients.execution !== undefined).every((s) => typeof s.metadata.diversity?.['status'] === 'string')).toBe(true);
    expect(services.map((s) => s.name)).toEqual(h.catalog.toOsbCatalog().services.map((s) => s.name));
  });

  it('THEN GET /diversity reports the shares, thresholds and the operator ledger', async () => {
    h = await createHarness({ engine: 'sqlite', hold: true });
    expect((await provision(h, 'ledger-1', hoodiPlan(h, 'nimbus'), { fee_recipient: FEE_RECIPIENT, validator_count: 3 })).status).toBe(202);
    const res = await request(h.app).get('/diversity').set('Authorization', AUTH);
    expect(res.status).toBe(200);
    const lighthouse = res.body.networks.mainnet.consensus.network.clients.find((c: { client: string }) => c.client === 'lighthouse');
    expect(lighthouse).toEqual({ client: 'lighthouse', share: 0.51, status: 'majority' });
    expect(res.body.networks.mainnet.consensus.network.date).toBe('2026-08-21');
    expect(res.body.thresholds.mainnet).toEqual({ warn: 0.33, refuse: 0.66 });
    expect(res.body.networks.hoodi.consensus.operator).toEqual({ validators: 3, clients: [{ client: 'nimbus', share: 1, status: 'supermajority' }] });
    expect((await request(h.app).get('/diversity')).status).toBe(401);
  });

  it('THEN suggestions rank minority combos first and name bad queries', async () => {
    h = await createHarness({ engine: 'sqlite' });
    const res = await request(h.app).get('/diversity/suggestions?network=mainnet&role=validator').set('Authorization', AUTH);
    expect(res.status).toBe(200);
    const ranked = res.body.suggestions as { execution: string; consensus: string; score: number; status: string }[];
    expect(ranked.length).toBeGreaterThan(10);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score);
    expect(ranked[0]!.status).toBe('minority');
    expect(['geth', 'nethermind']).not.toContain(ranked[0]!.execution);
    expect(ranked.at(-1)!.consensus).toBe('lighthouse');

    const bad = await request(h.app).get('/diversity/suggestions?network=holesky').set('Authorization', AUTH);
    expect(bad.status).toBe(400);
    expect(bad.body.description).toContain('"holesky"');
    const badRole = await request(h.app).get('/diversity/suggestions?network=mainnet&role=archive').set('Authorization', AUTH);
    expect(badRole.status).toBe(400);
    expect(badRole.body.description).toContain('"archive"');
  });

  it('THEN /metrics exposes the shares per network, layer, scope and client', async () => {
    h = await createHarness({ engine: 'sqlite', hold: true });
    expect((await provision(h, 'metrics-1', hoodiPlan(h, 'teku'))).status).toBe(202);
    const res = await request(h.app).get('/metrics').set('Authorization', AUTH);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('ovsb_client_share{network="mainnet",layer="consensus",scope="network",client="lighthouse"} 0.51');
    expect(res.text).toContain('ovsb_client_share{network="hoodi",layer="consensus",scope="operator",client="teku"} 1');
    expect(res.text).toMatch(/ovsb_diversity_data_timestamp_seconds\{network="mainnet",layer="execution"\} \d+/);
    expect(res.text).toContain('ovsb_process_resident_memory_bytes');
    expect((await request(h.app).get('/metrics')).status).toBe(401);
  });
});
