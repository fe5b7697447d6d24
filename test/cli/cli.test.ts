/**
 * The compiled `ovsb` binary, spawned as a user would. Compiled once into a temporary directory (the
 * test never touches dist/, which other tests and builds share).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, findCommand } from '../../src/cli/commands';
import { REPO_ROOT, bundledText, minimalCatalog, toYaml } from '../catalog/helpers';

let build: string;
let work: string;

beforeAll(() => {
  // Inside the repo so the compiled files find node_modules and package.json by walking up.
  build = mkdtempSync(join(REPO_ROOT, 'node_modules', '.ovsb-cli-test-'));
  work = mkdtempSync(join(tmpdir(), 'ovsb-cli-'));
  // Type errors are tsc's business (npm test runs it); emitting is what matters here.
  const tsc = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.json'), '--outDir', build],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (!existsSync(join(build, 'src', 'cli', 'main.js'))) throw new Error(`tsc emitted no CLI:\n${tsc.stdout}${tsc.stderr}`);
}, 180_000);

afterAll(() => {
  rmSync(build, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const ovsb = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(build, 'src', 'cli', 'main.js'), ...args], {
    cwd: work,
    env: { ...process.env, OVSB_CATALOG: '', ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });

describe('ovsb (compiled)', () => {
  it('`catalog` prints the bundled OSB catalog from any working directory', () => {
    const result = ovsb(['catalog', '--compact']);
    expect(result.status).toBe(0);
    const catalog = JSON.parse(result.stdout) as { services: { name: string; plans: unknown[] }[] };
    expect(catalog.services.map((s) => s.name)).toContain('ovsb-geth-lighthouse');
    expect(catalog.services.every((s) => s.plans.length > 0)).toBe(true);
  });

  it('`synth --plan --out` writes cdktf\'s layout for that plan', () => {
    const out = join(work, 'out');
    const result = ovsb(['synth', '--plan', 'geth-lighthouse-validator-sandbox-hoodi', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const stackFile = join(out, 'stacks', 'geth-lighthouse-validator-sandbox-hoodi', 'cdk.tf.json');
    expect(result.stdout.trim()).toBe(stackFile);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> };
    expect(Object.keys(manifest.stacks)).toEqual(['geth-lighthouse-validator-sandbox-hoodi']);
    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as { output: Record<string, { value: unknown }> };
    expect(stack.output['fee_recipient']?.value).toBe('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
  });

  it('`synth --out` writes one stack per plan of the catalog', () => {
    const path = join(work, 'small.yaml');
    writeFileSync(path, toYaml(minimalCatalog()));
    const out = join(work, 'all');
    const result = ovsb(['synth', '--out', out], { OVSB_CATALOG: path });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const plans = (JSON.parse(ovsb(['catalog'], { OVSB_CATALOG: path }).stdout) as { services: { plans: unknown[] }[] }).services.flatMap((s) => s.plans);
    const stacks = readdirSync(join(out, 'stacks'));
    expect(stacks).toHaveLength(plans.length);
    for (const stack of stacks) expect(existsSync(join(out, 'stacks', stack, 'cdk.tf.json'))).toBe(true);
    expect(stacks).toContain('mev-boost-kubernetes-hoodi');
    expect(stacks).toContain('reth-prysm-validator-sandbox-hoodi');
  });

  it('refuses a malformed OVSB_CATALOG with one line naming file, path and reason', () => {
    const path = join(work, 'broken.yaml');
    writeFileSync(path, bundledText().replace('\n  hoodi:\n', '\n  holesky: {}\n  hoodi:\n'));
    const result = ovsb(['catalog'], { OVSB_CATALOG: path });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^ovsb: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at networks\\.holesky: holesky is deprecated.*\\n$`));
    expect(result.stderr.split('\n')).toHaveLength(2);
  });

  it.each(COMMANDS.map((c) => c.name))('ovsb %s --help prints the command\'s usage and exits 0 (-h too)', async (name) => {
    const command = await findCommand(name)!.load();
    for (const flag of ['--help', '-h']) {
      const result = ovsb([name, flag]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain(command.usage.split('\n')[0]!);
    }
  });

  it('a malformed command line is exit 2 naming the problem and the options (util.parseArgs, strict)', () => {
    expect(ovsb(['synth', '--bogus'])).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown option "--bogus"; options: --plan, --out') });
    expect(ovsb(['synth', '--plan'])).toMatchObject({ status: 2, stderr: expect.stringContaining('--plan needs a value') });
    expect(ovsb(['catalog', '--compact=yes'])).toMatchObject({ status: 2, stderr: expect.stringContaining('--compact takes no value') });
    expect(ovsb(['plans', 'extra'])).toMatchObject({ status: 2, stderr: expect.stringContaining('unexpected argument "extra"') });
  });

  it('`gateway --help` documents the gateway: routes, tokens, scopes, revocation bound and every setting', () => {
    const result = ovsb(['gateway', '--help']);
    expect(result.status).toBe(0);
    for (const text of ['/i/<instance id>/rpc', '/i/<instance id>/ws', '/beacon/', 'Authorization: Bearer', 'access_token', 'read.basic', 'write.tx', 'admin_*', 'Revocation bound', 'OVSB_GATEWAY_PORT (8081)', 'OVSB_GATEWAY_HOST (127.0.0.1)', 'OVSB_BROKER_URL', 'OVSB_INTROSPECT_PASSWORD', 'OVSB_GATEWAY_UPSTREAMS', 'OVSB_GATEWAY_URL']) {
      expect(result.stdout).toContain(text);
    }
    expect(ovsb(['help']).stdout).toMatch(/\n {2}gateway +run the RPC gateway/);
  });

  it('`gateway` without introspection credentials says where they come from', () => {
    const result = ovsb(['gateway'], { OVSB_DATA_DIR: join(work, 'no-broker-here'), OVSB_GATEWAY_PORT: '0', OVSB_GATEWAY_METRICS_PORT: '0' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^ovsb: OVSB_INTROSPECT_PASSWORD: is not set and .*introspect-password does not exist; set it to the broker's introspection password/);
  });

  it('explains how to find plan names when one is unknown', () => {
    const result = ovsb(['synth', '--plan', 'geth-lighthouse-validator-k8s', '--out', join(work, 'none')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown plan "geth-lighthouse-validator-k8s".*`ovsb plans` lists them all/);
    expect(result.stderr).toMatch(/Close matches:\n {2}geth-lighthouse-validator-/);
    expect(existsSync(join(work, 'none'))).toBe(false);
  });
});
