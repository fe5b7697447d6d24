/**
 * The one end-to-end run of `ovsb review`: a fixture git repository holding this project's sources,
 * with two commits (a client version bump in catalog.yaml, a data volume size change in stacks.yaml),
 * reviewed by the compiled CLI, which builds and synthesises both revisions in temporary worktrees.
 * Everything finer is tested on the pure diff engine.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = join(__dirname, '..', '..');
const GIT_IDENTITY = ['-c', 'user.name=OVSB test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false'];

const catalogYaml = (gethVersion: string) => `
broker: { name: fixture, id_namespace: 6f1c0a4e-2b7d-4c1e-9a53-0b8e1d2f3a41, maximum_polling_duration: 600 }
clients:
  execution: { geth: { version: ${gethVersion} } }
  consensus: { lighthouse: { version: v8.0.0 } }
  mev_boost: { version: 1.10.1 }
combos: all
roles: [validator, rpc]
targets: { kubernetes: {}, sandbox: {} }
networks:
  hoodi:
    mev_boost:
      relays:
        - https://0xafa4c6985aa049fb79dd37010438cfebeb0f2bd42b115b89dd678dab0670c1de38da0c4e9138c9290a398ecd9a0b3110@boost-relay-hoodi.flashbots.net
`;

const stacksYaml = (storageGi: number) => `
stacks:
  - name: team-hoodi-rpc
    plan: geth-lighthouse-rpc-kubernetes-hoodi
    parameters: { execution_storage_gi: ${storageGi} }
    backend: { kind: pg, schema_name: team_hoodi_rpc }
`;

let build: string;
let fixture: string;

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CHECKPOINT_DISABLE: '1', OVSB_CATALOG: '', OVSB_STACKS_FILE: '' } });
}

function git(args: readonly string[], cwd = fixture): string {
  const result = run('git', [...GIT_IDENTITY, ...args], cwd);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  // The compiled CLI lives inside the repository so it finds node_modules and package.json by walking up.
  build = mkdtempSync(join(REPO_ROOT, 'node_modules', '.ovsb-review-e2e-'));
  const tsc = run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.json'), '--outDir', build], REPO_ROOT);
  if (!existsSync(join(build, 'src', 'cli', 'main.js'))) throw new Error(`tsc emitted no CLI:\n${tsc.stdout}${tsc.stderr}`);

  // The project as it is now: tracked files plus untracked ones that are not ignored (a clean clone
  // has only the former; a working copy under development has both).
  fixture = mkdtempSync(join(tmpdir(), 'ovsb-review-fixture-'));
  const files = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], REPO_ROOT).split('\0').filter(Boolean);
  for (const file of new Set(files)) {
    const source = join(REPO_ROOT, file);
    if (!existsSync(source) || file === 'catalog.yaml' || file === 'stacks.yaml') continue;
    mkdirSync(dirname(join(fixture, file)), { recursive: true });
    copyFileSync(source, join(fixture, file));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(fixture, 'node_modules'), 'dir');
  git(['init', '--quiet', '--initial-branch=main']);
  // `node_modules/` in .gitignore matches directories only, not a link: keep the link out of commits.
  writeFileSync(join(fixture, '.git', 'info', 'exclude'), '/node_modules\n');
  writeFileSync(join(fixture, 'catalog.yaml'), catalogYaml('v1.16.7'));
  writeFileSync(join(fixture, 'stacks.yaml'), stacksYaml(200));
  git(['add', '--all']);
  git(['commit', '--quiet', '-m', 'fixture: the project']);
  writeFileSync(join(fixture, 'catalog.yaml'), catalogYaml('v1.16.8'));
  writeFileSync(join(fixture, 'stacks.yaml'), stacksYaml(300));
  git(['commit', '--quiet', '--all', '-m', 'geth v1.16.8, team execution volume 300 GiB']);
}, 180_000);

afterAll(() => {
  if (build) rmSync(build, { recursive: true, force: true });
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

describe('ovsb review (compiled, fixture repository with two commits)', () => {
  it('GIVEN a client version bump and a volume size change THEN the Markdown names the version change, flags the volume as DESTRUCTIVE, and --fail-on-destructive exits 3 with the JSON report written', () => {
    const statusBefore = git(['status', '--porcelain']);
    const result = run(
      process.execPath,
      [join(build, 'src', 'cli', 'main.js'), 'review', '--base', 'HEAD~1', '--head', 'HEAD', '--fail-on-destructive', '--json-file', 'review.json'],
      fixture,
    );
    expect(result.stderr).toMatch(/ovsb review: building and synthesising HEAD~1 \([0-9a-f]{12}\) and HEAD/);
    expect(result.status, result.stderr).toBe(3);

    const markdown = result.stdout;
    expect(markdown).toContain('⬆️ **CLIENT VERSION** `ethereum/client-go` `v1.16.7` → `v1.16.8`: **takes in security or high-urgency release v1.16.8** in **5 stacks**');
    expect(markdown).toContain('**⚠️ DESTRUCTIVE changes found');
    expect(markdown).toMatch(/- ⚠️ \*\*DESTRUCTIVE\*\* node\/execution \(kubernetes_stateful_set_v1, StatefulSet with data volumes\) is replaced .*requests\.storage 200Gi → 300Gi in \*\*1 stack\*\*/);
    expect(markdown).toContain('<details><summary>stacks</summary>`team-hoodi-rpc`</details>');

    const report = JSON.parse(readFileSync(join(fixture, 'review.json'), 'utf8')) as {
      destructive: boolean;
      summary: { headStacks: number; changed: number };
      images: { repository: string; before: string; after: string; stacks: string[] }[];
    };
    expect(report.destructive).toBe(true);
    // 4 plans (validator, rpc x kubernetes, sandbox) + 2 MEV-Boost plans + the team stack.
    expect(report.summary.headStacks).toBe(7);
    expect(report.images).toEqual([
      {
        repository: 'ethereum/client-go',
        before: 'v1.16.7',
        after: 'v1.16.8',
        note: 'takes in security or high-urgency release v1.16.8',
        stacks: [
          'geth-lighthouse-rpc-kubernetes-hoodi',
          'geth-lighthouse-rpc-sandbox-hoodi',
          'geth-lighthouse-validator-kubernetes-hoodi',
          'geth-lighthouse-validator-sandbox-hoodi',
          'team-hoodi-rpc',
        ],
      },
    ]);

    // The user's checkout is untouched and the temporary worktrees are gone.
    rmSync(join(fixture, 'review.json'));
    expect(git(['status', '--porcelain'])).toBe(statusBefore);
    expect(git(['worktree', 'list', '--porcelain']).match(/^worktree /gm)).toHaveLength(1);
  });
});
