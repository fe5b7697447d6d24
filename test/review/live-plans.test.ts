/**
 * `--terraform-plan` through the terraform invoker, with real terraform: a stack deployed the way
 * `cdktf deploy` leaves it (state under cdktf.out/stacks/<name>/), planned against a changed
 * configuration; and the skips (no backend credentials, providers that cannot be installed offline).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackConfig } from '../../src/review/diff';
import { livePlanTerraform, planLiveStacks, resolveLocalState, type LivePlanOptions } from '../../src/review/live-plans';
import { terraformRunnerSettings } from '../../src/terraform/settings';

const dir = mkdtempSync(join(tmpdir(), 'ovsb-live-plans-'));
const cdktfOutdir = join(dir, 'cdktf.out');
const cliConfig = join(dir, 'terraform.rc');

/** A sandbox-like stack: a volume record whose size the test changes. */
const sandbox = (sizeGi: number): StackConfig => ({
  terraform: { backend: { local: { path: 'terraform.tfstate' } } },
  resource: {
    terraform_data: {
      node_execution_volume: { input: { data_volume: { size_gi: sizeGi } }, triggers_replace: [sizeGi] },
      node_notice: { input: 'sandbox: no nodes run' },
    },
  },
});

const options = (overrides: Partial<LivePlanOptions>): LivePlanOptions => ({
  stacks: new Map(),
  targets: [],
  cdktfOutdir,
  terraformBin: 'terraform',
  env: {},
  log: { info: () => undefined, warn: () => undefined },
  ...overrides,
});

beforeAll(() => {
  writeFileSync(cliConfig, '');
  const stackDir = join(cdktfOutdir, 'stacks', 'team-sandbox');
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(join(stackDir, 'cdk.tf.json'), JSON.stringify(sandbox(200)));
  const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1' };
  for (const args of [['init', '-input=false', '-no-color'], ['apply', '-auto-approve', '-input=false', '-no-color']]) {
    const result = spawnSync('terraform', args, { cwd: stackDir, env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`terraform ${args[0]} failed:\n${result.stdout}${result.stderr}`);
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('planLiveStacks', () => {
  it('GIVEN a deployed stack and a head revision that replaces its volume record THEN the plan lists the replacement as a data volume change', async () => {
    const [plan] = await planLiveStacks(options({ stacks: new Map([['team-sandbox', sandbox(300)]]), targets: [{ name: 'team-sandbox' }] }));
    expect(plan).toEqual({
      stack: 'team-sandbox',
      status: 'planned',
      counts: { add: 1, change: 0, remove: 1 },
      changes: [{ address: 'terraform_data.node_execution_volume', action: 'replace', dataVolume: true }],
    });
  });

  it('GIVEN the unchanged configuration THEN nothing to do', async () => {
    const [plan] = await planLiveStacks(options({ stacks: new Map([['team-sandbox', sandbox(200)]]), targets: [{ name: 'team-sandbox' }] }));
    expect(plan).toEqual({ stack: 'team-sandbox', status: 'planned', counts: { add: 0, change: 0, remove: 0 }, changes: [] });
  });

  it('GIVEN a stack never deployed from this checkout THEN the plan creates everything, with a note', async () => {
    const [plan] = await planLiveStacks(options({ stacks: new Map([['elsewhere', sandbox(1)]]), targets: [{ name: 'elsewhere' }] }));
    expect(plan).toMatchObject({ status: 'planned', counts: { add: 2 }, note: expect.stringContaining('no state at') });
  });

  it('GIVEN a pg backend and no PG_CONN_STR THEN skipped, saying why', async () => {
    const [plan] = await planLiveStacks(
      options({ stacks: new Map([['team-pg', sandbox(1)]]), targets: [{ name: 'team-pg', backend: { kind: 'pg', schemaName: 'team' } }] }),
    );
    expect(plan).toEqual({ stack: 'team-pg', status: 'skipped', reason: expect.stringContaining('PG_CONN_STR is not set') });
  });

  it('GIVEN a stack whose provider cannot be installed (no registry here) THEN skipped, naming the provider', async () => {
    const kubernetes: StackConfig = {
      terraform: { required_providers: { kubernetes: { source: 'hashicorp/kubernetes', version: '2.38.0' } } },
      provider: { kubernetes: [{}] },
      resource: { kubernetes_namespace_v1: { ns: { metadata: { name: 'x' } } } },
    };
    const [plan] = await planLiveStacks(options({ stacks: new Map([['team-k8s', kubernetes]]), targets: [{ name: 'team-k8s' }] }));
    expect(plan).toMatchObject({ stack: 'team-k8s', status: 'skipped', reason: expect.stringMatching(/providers cannot be installed here: .*hashicorp\/kubernetes/) });
  });

  it.each([
    ['mirror-only', { OVSB_PROVIDER_MIRROR_ONLY: 'true' }, false],
    ['mirror plus registries', {}, true],
  ] as const)('GIVEN OVSB_PROVIDER_MIRROR (%s) WHEN planning THEN terraform init reads the CLI config those settings ask for', async (name, extraEnv, direct) => {
    const mirror = join(dir, `mirror-${direct}`);
    mkdirSync(mirror);
    // The real terraform runs; the wrapper only keeps a copy of the CLI config it is given (the scratch dir is gone after).
    const seen = join(dir, `init-cli-config-${direct}.rc`);
    const bin = join(dir, `terraform-recording-${direct}`);
    writeFileSync(bin, `#!/bin/sh\n[ "$1" = init ] && cp "$TF_CLI_CONFIG_FILE" '${seen}'\nexec terraform "$@"\n`, { mode: 0o755 });
    const settings = terraformRunnerSettings({ OVSB_TERRAFORM_BIN: bin, OVSB_PROVIDER_MIRROR: mirror, ...extraEnv }, join(dir, '.ovsb'));

    const [plan] = await planLiveStacks(options({ ...livePlanTerraform(settings), stacks: new Map([['elsewhere', sandbox(1)]]), targets: [{ name: 'elsewhere' }] }));

    expect(plan, name).toMatchObject({ status: 'planned', counts: { add: 2 } });
    const config = readFileSync(seen, 'utf8');
    expect(config).toContain(['provider_installation {', '  filesystem_mirror {', `    path = "${mirror}"`, '  }'].join('\n'));
    expect(config.includes('  direct {}'), 'registry installation for providers outside the mirror').toBe(direct);
  });

  it('GIVEN a stacks.yaml stack the head revision does not synthesise THEN skipped', async () => {
    expect(await planLiveStacks(options({ targets: [{ name: 'gone' }] }))).toEqual([
      { stack: 'gone', status: 'skipped', reason: 'the head revision does not synthesise this stack' },
    ]);
  });
});

describe('resolveLocalState', () => {
  it.each([
    [undefined, join(cdktfOutdir, 'stacks', 's', 'terraform.tfstate')],
    ['../../../state/s.tfstate', join(dir, 'state', 's.tfstate')],
    ['/var/state/s.tfstate', '/var/state/s.tfstate'],
  ])('%s -> %s', (path, expected) => {
    expect(resolveLocalState(cdktfOutdir, 's', path)).toBe(expected);
  });
});
