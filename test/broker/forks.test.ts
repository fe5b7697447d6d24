/**
 * Hard-fork readiness end to end, with real terraform on sandbox plans: hoodi activates Glamsterdam at
 * 2026-12-15T19:12:24Z (data/releases.json). An operator's catalog still pins nethermind 2.2.2, which does
 * not schedule it; the bundled catalog pins 2.3.0, which does.
 *
 * GIVEN an instance provisioned on the old pin before the refusal window
 * WHEN the clock is inside the window (2026-12-06) or after the fork THEN new provisions of the old plan
 *   are refused with 422 ForkReadiness naming the fork, its time and the ready release
 * WHEN the broker restarts on the bumped catalog THEN /forks, /metrics, `ovsb forks` and the instance's
 *   GET flag it as needing an upgrade to the new maintenance_info version
 * WHEN the platform applies that maintenance_info THEN terraform re-applies and the instance is ready.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forksCommand } from '../../src/cli/forks-command';
import { parseCatalog } from '../../src/catalog/load';
import type { NodePlan } from '../../src/catalog/model';
import type { ForksOverview } from '../../src/service/forks';
import { bundledText } from '../catalog/helpers';
import { CREDENTIALS, createHarness, osb, type Harness } from './harness';
import request from 'supertest';

const BEFORE_WINDOW = new Date('2026-11-20T12:00:00Z');
const INSIDE_WINDOW = new Date('2026-12-06T12:00:00Z');
const AFTER_FORK = new Date('2026-12-16T00:00:00Z');
const FORK = 'Glamsterdam (Amsterdam/Gloas) on hoodi';
const STACK = 'nethermind-prysm-rpc-sandbox-hoodi';

/** The bundled catalog as an operator had it before bumping nethermind to the release that schedules the fork. */
const oldCatalog = () => {
  const text = bundledText();
  const pinned = 'nethermind: { version: 2.3.0 }';
  if (!text.includes(pinned)) throw new Error(`catalog.yaml no longer pins "${pinned}": update this test`);
  return parseCatalog(text.replace(pinned, 'nethermind: { version: 2.2.2 }'), 'old-catalog.yaml');
};

let dataDir: string;
let now = BEFORE_WINDOW;
const clock = () => now;
const INSTANCE = 'fork-ready-test-instance';

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ovsb-forks-test-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const basic = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;

describe('GIVEN the old catalog (nethermind 2.2.2, not ready for hoodi Glamsterdam)', () => {
  let h: Harness;
  let plan: NodePlan;
  beforeAll(async () => {
    const catalog = oldCatalog();
    plan = catalog.findPlanByRef(STACK) as NodePlan;
    h = await createHarness({ engine: 'sqlite', hold: true, builtInPolicies: true, catalog, clock, dataDir });
  });
  afterAll(async () => h.close());

  const provision = (id: string) =>
    osb(h.app)
      .put(`/v2/service_instances/${id}?accepts_incomplete=true`)
      .send({ service_id: plan.serviceId, plan_id: plan.id, organization_guid: 'org', space_guid: 'space', parameters: {} });

  it('THEN the plan carries its fork readiness in the catalog metadata', async () => {
    const res = await osb(h.app).get('/v2/catalog');
    const osbPlan = (res.body.services as { plans: { id: string; metadata: Record<string, unknown> }[] }[]).flatMap((s) => s.plans).find((p) => p.id === plan.id)!;
    expect(osbPlan.metadata['fork_readiness']).toEqual([
      {
        network: 'hoodi',
        fork: 'Glamsterdam (Amsterdam/Gloas)',
        epoch: 143616,
        time: '2026-12-15T19:12:24Z',
        ready: false,
        reason: 'nethermind 2.2.2 does not schedule it; 2.3.0 or later does',
        new_provisions_refused_from: '2026-12-01T19:12:24Z',
      },
    ]);
    expect(osbPlan.metadata['bullets']).toContain('Not ready for Glamsterdam (Amsterdam/Gloas) on hoodi (2026-12-15T19:12:24Z): new provisions refused from 2026-12-01T19:12:24Z');
  });

  it('WHEN the clock is before the window THEN a provision is accepted and really applied; its GET says no ready release is pinned', async () => {
    now = BEFORE_WINDOW;
    expect((await provision(INSTANCE)).status).toBe(202);
    await h.runQueued();
    const last = await osb(h.app).get(`/v2/service_instances/${INSTANCE}/last_operation`);
    expect(last.body.state).toBe('succeeded');
    const res = await osb(h.app).get(`/v2/service_instances/${INSTANCE}`);
    expect(res.body.metadata.labels).toMatchObject({ fork: FORK, fork_time: '2026-12-15T19:12:24Z', fork_readiness: 'no-ready-release' });
  });

  it.each([
    ['inside the window (2026-12-06)', INSIDE_WINDOW],
    ['after the fork (2026-12-16)', AFTER_FORK],
  ])('WHEN the clock is %s THEN a new provision is refused with 422 ForkReadiness naming the fork, its time and the ready release', async (_when, at) => {
    now = at;
    const res = await provision(`refused-${at.getTime()}`);
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('ForkReadiness');
    expect(res.body.description).toContain(
      `refused by policy fork-readiness: plan ${STACK} is not ready for Glamsterdam (Amsterdam/Gloas) on hoodi at 2026-12-15T19:12:24Z (epoch 143616): nethermind 2.2.2 does not schedule it; 2.3.0 or later does.`,
    );
    expect(res.body.description).toContain('refused from 14 days before it (2026-12-01T19:12:24Z)');
    expect((await osb(h.app).get(`/v2/service_instances/refused-${at.getTime()}/last_operation`)).status).toBe(404);
  });

  it('WHEN the clock is inside the window THEN an update of the existing instance on its plan still goes through', async () => {
    now = INSIDE_WINDOW;
    const res = await osb(h.app)
      .patch(`/v2/service_instances/${INSTANCE}?accepts_incomplete=true`)
      .send({ service_id: plan.serviceId, parameters: { execution_storage_gi: 120, allow_data_volume_replacement: true } });
    expect(res.status).toBe(202);
    await h.runQueued();
    const last = await osb(h.app).get(`/v2/service_instances/${INSTANCE}/last_operation`);
    expect(last.body.state).toBe('succeeded');
  });
});

describe('GIVEN the broker restarted on the bumped catalog (nethermind 2.3.0) with the clock at 2026-12-06', () => {
  let h: Harness;
  let plan: NodePlan;
  beforeAll(async () => {
    now = INSIDE_WINDOW;
    h = await createHarness({ engine: 'sqlite', hold: true, builtInPolicies: true, clock, dataDir });
    plan = h.catalog.findPlanByRef(STACK) as NodePlan;
  });
  afterAll(async () => h.close());

  const forks = async (): Promise<ForksOverview> => (await request(h.app).get('/forks').set('Authorization', basic).expect(200)).body as ForksOverview;
  const metric = async (name: string): Promise<string[]> =>
    ((await request(h.app).get('/metrics').set('Authorization', basic).expect(200)).text as string).split('\n').filter((line) => line.startsWith(name));

  it('THEN /forks shows hoodi Glamsterdam in 9 days, the plan ready, and the instance needing an upgrade to the new maintenance_info', async () => {
    const overview = await forks();
    const hoodi = overview.forks.find((f) => f.network === 'hoodi')!;
    expect(hoodi).toMatchObject({ fork: 'Glamsterdam (Amsterdam/Gloas)', epoch: 143616, time: '2026-12-15T19:12:24Z', activated: false, windowOpen: true, windowOpens: '2026-12-01T19:12:24Z' });
    expect(Math.floor(hoodi.secondsUntil / 86_400)).toBe(9);
    const group = hoodi.plans.groups.find((g) => g.stackNames.includes(STACK))!;
    expect(group).toMatchObject({ releases: 'nethermind 2.3.0 + prysm v7.3.3', ready: true });
    expect(hoodi.instances).toMatchObject({ ready: 0, upgradeRequired: 1, noReadyRelease: 0 });
    expect(hoodi.instances.list).toEqual([
      expect.objectContaining({
        instanceId: INSTANCE,
        stackName: STACK,
        releases: [
          { client: 'nethermind', version: '2.2.2' },
          { client: 'prysm', version: 'v7.3.3' },
        ],
        readiness: {
          status: 'upgrade-required',
          upgradeTo: plan.maintenanceInfo.version,
          blockers: [{ client: 'nethermind', version: '2.2.2', cause: 'missing', minimum: '2.3.0' }],
        },
      }),
    ]);
  });

  it('THEN /metrics counts it in ovsb_instances_not_fork_ready and gives the seconds until the fork', async () => {
    expect(await metric('ovsb_instances_not_fork_ready{')).toEqual(['ovsb_instances_not_fork_ready{network="hoodi",fork="Glamsterdam (Amsterdam/Gloas)"} 1']);
    const [until] = await metric('ovsb_fork_seconds_until{');
    expect(until).toBe(`ovsb_fork_seconds_until{network="hoodi",fork="Glamsterdam (Amsterdam/Gloas)"} ${(Date.parse('2026-12-15T19:12:24Z') - INSIDE_WINDOW.getTime()) / 1000}`);
    expect(await metric('ovsb_data_age_seconds{dataset="releases"}')).toEqual([`ovsb_data_age_seconds{dataset="releases"} ${12 * 3600}`]);
  });

  it('THEN /forks and /diversity warn that the bundled diversity shares are older than 30 days', async () => {
    const overview = await forks();
    expect(overview.dataFreshness.find((d) => d.dataset === 'releases')).toMatchObject({ observed: '2026-12-06', stale: false });
    expect(overview.warnings).toEqual([expect.stringMatching(/^data older than 30 days: diversity\.mainnet\.consensus observed 2026-08-21 \(107 days ago\)/)]);
    const diversity = (await request(h.app).get('/diversity').set('Authorization', basic).expect(200)).body as { warnings: string[]; data_freshness: unknown[] };
    expect(diversity.warnings).toEqual(overview.warnings);
    expect(diversity.data_freshness).toEqual(overview.dataFreshness);
  });

  it('THEN the public dashboard shows the fork countdown (nothing about instances), the operator dashboard the instance counts', async () => {
    const page = (await request(h.app).get('/dashboard').expect(200)).text;
    expect(page).toContain('<h2>Scheduled forks</h2>');
    expect(page).toContain('<td>hoodi</td><td>Glamsterdam (Amsterdam/Gloas)</td><td>2026-12-15T19:12:24Z</td><td>in 9 days</td></tr>');
    expect(page).not.toContain('need an upgrade');
    const operator = (await request(h.app).get('/diversity/dashboard').set('Authorization', basic).expect(200)).text;
    expect(operator).toContain('<td>in 9 days</td><td>0 ready, 1 need an upgrade</td>');
  });

  it("THEN the instance's GET flags it with the maintenance_info version to upgrade to", async () => {
    const res = await osb(h.app).get(`/v2/service_instances/${INSTANCE}`);
    expect(res.body.maintenance_info.version).not.toBe(plan.maintenanceInfo.version);
    expect(res.body.metadata.labels).toEqual({
      fork: FORK,
      fork_time: '2026-12-15T19:12:24Z',
      fork_readiness: 'upgrade-required',
      upgrade_to_maintenance_info_version: plan.maintenanceInfo.version,
      fork_readiness_reason: 'nethermind 2.2.2 does not schedule it; 2.3.0 or later does',
    });
  });

  it('THEN `ovsb forks --at 2026-12-06T12:00:00Z` prints hoodi Glamsterdam in 9 days, the ready plans and the instance to upgrade', async () => {
    let out = '';
    const context = {
      env: { OVSB_DATA_DIR: dataDir, OVSB_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('hex') },
      cwd: dataDir,
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => true },
    };
    expect(await forksCommand.run(['--at', '2026-12-06T12:00:00Z'], context)).toBe(0);
    expect(out).toContain('hoodi: Glamsterdam (Amsterdam/Gloas) at 2026-12-15T19:12:24Z (epoch 143616), in 9 days 7 hours');
    expect(out).toContain('unready plans refuse new provisions since 2026-12-01T19:12:24Z');
    expect(out).toMatch(/^ {4}ready {6}nethermind 2\.3\.0 \+ prysm v7\.3\.3 \(\d+ plans\)$/m);
    expect(out).toMatch(/^ {4}NOT READY {2}geth v1\.17\.10 \+ lighthouse v8\.3\.3 \(\d+ plans\): geth v1\.17\.10 does not schedule it; no geth release is known to yet; lighthouse v8\.3\.3 does not schedule it; no lighthouse release is known to yet$/m);
    expect(out).toContain(`instances: 0 ready, 1 need an upgrade, 0 without a ready release pinned, 0 unknown`);
    expect(out).toContain(`${INSTANCE}  ${STACK}  nethermind 2.2.2 + prysm v7.3.3  NEEDS UPGRADE to maintenance_info ${plan.maintenanceInfo.version}`);
  });

  it('WHEN the platform applies the new maintenance_info THEN terraform re-applies the new release and the instance is ready everywhere', async () => {
    const res = await osb(h.app)
      .patch(`/v2/service_instances/${INSTANCE}?accepts_incomplete=true`)
      .send({ service_id: plan.serviceId, maintenance_info: { version: plan.maintenanceInfo.version } });
    expect(res.status).toBe(202);
    await h.runQueued();
    expect((await osb(h.app).get(`/v2/service_instances/${INSTANCE}/last_operation`)).body.state).toBe('succeeded');
    const fetched = await osb(h.app).get(`/v2/service_instances/${INSTANCE}`);
    expect(fetched.body.maintenance_info.version).toBe(plan.maintenanceInfo.version);
    expect(fetched.body.metadata.labels).toEqual({ fork: FORK, fork_time: '2026-12-15T19:12:24Z', fork_readiness: 'ready' });
    const hoodi = (await forks()).forks.find((f) => f.network === 'hoodi')!;
    expect(hoodi.instances).toMatchObject({ ready: 1, upgradeRequired: 0 });
    expect(hoodi.instances.list[0]!.releases).toEqual([
      { client: 'nethermind', version: '2.3.0' },
      { client: 'prysm', version: 'v7.3.3' },
    ]);
    expect(await metric('ovsb_instances_not_fork_ready{')).toEqual(['ovsb_instances_not_fork_ready{network="hoodi",fork="Glamsterdam (Amsterdam/Gloas)"} 0']);
  });
});
