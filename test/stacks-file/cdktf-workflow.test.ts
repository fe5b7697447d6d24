/**
 * The team workflow for real: `cdktf synth`, `cdktf deploy <stack>` and `cdktf diff <stack>` (cdktf-cli,
 * pinned) on a project directory whose cdktf.json runs the compiled app, with a stacks.yaml listing a
 * sandbox stack. Sandbox stacks need only Terraform built-ins, so terraform runs offline.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = join(__dirname, '..', '..');
const CDKTF = join(REPO_ROOT, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf');
const FEE = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';

let build: string;
let project: string;

const CATALOG = `
broker: { name: fixture, id_namespace: 6f1c0a4e-2b7d-4c1e-9a53-0b8e1d2f3a41, maximum_polling_duration: 600 }
clients:
  execution: { geth: { version: v1.16.7 } }
  consensus: { lighthouse: { version: v8.0.0 } }
  mev_boost: { version: 1.10.1 }
combos: all
roles: [validator, rpc]
targets: { sandbox: {} }
networks:
  hoodi:
    mev_boost:
      relays:
        - https://0xafa4c6985aa049fb79dd37010438cfebeb0f2bd42b115b89dd678dab0670c1de38da0c4e9138c9290a398ecd9a0b3110@boost-relay-hoodi.flashbots.net
`;

function cdktf(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CDKTF, ...args], {
    cwd: project,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      CHECKPOINT_DISABLE: '1',
      // An empty CLI config: the machine's own may point anywhere.
      TF_CLI_CONFIG_FILE: join(project, 'terraform.rc'),
      OVSB_CATALOG: join(project, 'catalog.yaml'),
      OVSB_STACKS_FILE: '',
      CI: '1',
      FORCE_COLOR: '0',
    },
  });
}

beforeAll(() => {
  build = mkdtempSync(join(REPO_ROOT, 'node_modules', '.ovsb-cdktf-e2e-'));
  const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.json'), '--outDir', build], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (!existsSync(join(build, 'src', 'cli', 'cdktf-app.js'))) throw new Error(`tsc emitted no app:\n${tsc.stdout}${tsc.stderr}`);
  project = mkdtempSync(join(tmpdir(), 'ovsb-cdktf-'));
  const cdktfJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdktf.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(project, 'cdktf.json'), JSON.stringify({ ...cdktfJson, app: `node ${join(build, 'src', 'cli', 'cdktf-app.js')}` }));
  writeFileSync(join(project, 'terraform.rc'), '');
  writeFileSync(join(project, 'catalog.yaml'), CATALOG);
  writeFileSync(
    join(project, 'stacks.yaml'),
    `stacks:\n  - name: team-hoodi-sandbox\n    plan: geth-lighthouse-validator-sandbox-hoodi\n    parameters: { fee_recipient: "${FEE}", execution_storage_gi: 200 }\n`,
  );
}, 180_000);

afterAll(() => {
  if (build) rmSync(build, { recursive: true, force: true });
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('cdktf with stacks.yaml (cdktf-cli, compiled app)', () => {
  it('GIVEN stacks.yaml with a sandbox stack WHEN cdktf synth THEN the plan stacks and the team stack are written under their stable names', () => {
    const result = cdktf(['synth']);
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(readdirSync(join(project, 'cdktf.out', 'stacks')).sort()).toEqual([
      'geth-lighthouse-rpc-sandbox-hoodi',
      'geth-lighthouse-validator-sandbox-hoodi',
      'mev-boost-sandbox-hoodi',
      'team-hoodi-sandbox',
    ]);
    const stack = JSON.parse(readFileSync(join(project, 'cdktf.out', 'stacks', 'team-hoodi-sandbox', 'cdk.tf.json'), 'utf8')) as {
      output: Record<string, { value: unknown }>;
      resource: { terraform_data: Record<string, { input: { component?: string; data_volume?: { size_gi: number } } }> };
    };
    expect(stack.output['fee_recipient']?.value).toBe(FEE);
    const execution = Object.values(stack.resource.terraform_data).find((r) => r.input.component === 'execution');
    expect(execution?.input.data_volume?.size_gi).toBe(200);
  });

  it('WHEN cdktf deploy <stack> --auto-approve THEN terraform applies it and its state is next to the stack; cdktf diff then finds no changes', () => {
    const deploy = cdktf(['deploy', 'team-hoodi-sandbox', '--auto-approve']);
    expect(deploy.status, `${deploy.stdout}${deploy.stderr}`).toBe(0);
    expect(deploy.stdout).toContain('execution_http_url = http://execution.team-hoodi-sandbox.sandbox.invalid:8545');
    const state = JSON.parse(readFileSync(join(project, 'cdktf.out', 'stacks', 'team-hoodi-sandbox', 'terraform.tfstate'), 'utf8')) as {
      resources: { type: string }[];
    };
    expect(state.resources.filter((r) => r.type === 'terraform_data').length).toBeGreaterThan(3);

    const diff = cdktf(['diff', 'team-hoodi-sandbox']);
    expect(diff.status, `${diff.stdout}${diff.stderr}`).toBe(0);
    expect(diff.stdout).toContain('No changes.');
  });

  it('GIVEN a parameter change in stacks.yaml WHEN cdktf diff THEN terraform plans the update', () => {
    const stacksFile = join(project, 'stacks.yaml');
    writeFileSync(stacksFile, readFileSync(stacksFile, 'utf8').replace('execution_storage_gi: 200', 'execution_storage_gi: 300'));
    const diff = cdktf(['diff', 'team-hoodi-sandbox']);
    expect(diff.status, `${diff.stdout}${diff.stderr}`).toBe(0);
    expect(diff.stdout).toMatch(/size_gi\s+= 200 -> 300/);
  });
});
