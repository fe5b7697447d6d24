/**
 * TerraformRunner with the real terraform binary and the local backend, on sandbox-like configurations
 * (terraform_data resources and outputs: built-in, so they apply offline).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ExternalError } from '../../src/errors';
import { TerraformError } from '../../src/terraform/errors';
import type { RunProgress } from '../../src/terraform/progress';
import { TerraformRunner, UPDATE_PLAN_FILE, type TerraformRunnerConfig } from '../../src/terraform/runner';
import { Workspaces } from '../../src/terraform/workspace';
import { eventually, fixtureConfig, recordingLog, sandboxConfig, tempDir } from './helpers';

const bin = process.env['OVSB_TERRAFORM_BIN'] ?? 'terraform';
const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => dirs.forEach((dir) => dir.remove()));

function runnerWith(overrides: Partial<TerraformRunnerConfig> = {}) {
  const data = tempDir('runner');
  dirs.push(data);
  const log = recordingLog();
  const runner = new TerraformRunner({
    terraformBin: bin,
    dataDir: data.path,
    defaultTimeoutMs: 120_000,
    lockTimeoutMs: 5_000,
    interruptGraceMs: 1_000,
    log,
    ...overrides,
  });
  return { runner, log, dataDir: data.path, workspaces: new Workspaces(data.path) };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the operation to fail');
}

const messages = (progress: readonly RunProgress[]) => progress.map((p) => p.message);
const mode = (path: string) => statSync(path).mode & 0o777;

describe('provision -> outputs -> update -> deprovision', () => {
  const { runner, log, workspaces } = runnerWith();
  const key = 'b7d1a5c0-osb-instance-1';
  const ws = workspaces.for(key);
  let jwt = '';

  it('provisions and returns the outputs, reporting progress', async () => {
    const progress: RunProgress[] = [];
    const { outputs, summary } = await runner.apply(key, sandboxConfig(), { onProgress: (p) => progress.push(p) });
    expect(summary).toEqual({ add: 3, change: 0, import: 0, remove: 0 });
    expect(outputs['execution_rpc_url']).toEqual({ value: 'http://geth-1.sandbox.local:8545', type: 'string', sensitive: false });
    expect(outputs['jwt_secret']).toMatchObject({ sensitive: true, value: expect.stringMatching(/^jwt-/) });
    jwt = String(outputs['jwt_secret']?.value);

    expect(messages(progress)).toEqual([
      'initialising terraform',
      'planned: 3 to add, 0 to change, 0 to destroy',
      expect.stringMatching(/^applying 1\/3: terraform_data\./),
      expect.stringMatching(/^applying 2\/3: terraform_data\./),
      expect.stringMatching(/^applying 3\/3: terraform_data\./),
      'apply complete: 3 added, 0 changed, 0 destroyed',
      'reading outputs',
    ]);
    expect(JSON.stringify(progress)).not.toContain(jwt);
  });

  it('keeps the workspace private and named by hash, never by the instance id', () => {
    expect(readdirSync(workspaces.root)).toEqual([ws.id]);
    expect(ws.dir).not.toContain(key);
    expect(mode(ws.dir)).toBe(0o700);
    expect(mode(join(ws.dir, '.terraform'))).toBe(0o700);
    for (const file of ['cdk.tf.json', 'terraform.tfstate', '.terraform.lock.hcl'].filter((f) => existsSync(join(ws.dir, f)))) {
      expect(mode(join(ws.dir, file))).toBe(0o600);
    }
    expect(existsSync(join(ws.dir, 'terraform.tfstate'))).toBe(true);
  });

  it('reads the outputs again', async () => {
    const outputs = await runner.outputs(key);
    expect(outputs['jwt_secret']?.value).toBe(jwt);
  });

  it('refuses an update that would resize the data volume: nothing applied, the applied configuration kept, no plan file left', async () => {
    const applied = readFileSync(ws.configFile, 'utf8');
    const state = readFileSync(join(ws.dir, 'terraform.tfstate'), 'utf8');
    const progress: RunProgress[] = [];
    const refused = await runner.update(key, sandboxConfig({ volumeSizeGi: 2000 }), { onProgress: (p) => progress.push(p) });
    expect(refused).toEqual({
      kind: 'refused',
      changes: [{ resource: expect.objectContaining({ address: 'terraform_data.execution_storage' }), action: 'update' }],
    });
    expect(readFileSync(ws.configFile, 'utf8')).toBe(applied);
    expect(readFileSync(join(ws.dir, 'terraform.tfstate'), 'utf8')).toBe(state);
    expect(existsSync(join(ws.dir, UPDATE_PLAN_FILE))).toBe(false);
    expect(messages(progress)).toEqual([
      'initialising terraform',
      'planning the update',
      'planned: 0 to add, 1 to change, 0 to destroy',
      'refused: the plan would delete or replace data volumes',
    ]);
  });

  it('updates with a changed input by applying the saved plan, reporting progress against the plan', async () => {
    const progress: RunProgress[] = [];
    const result = await runner.update(key, sandboxConfig({ generation: '2' }), { onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ kind: 'applied', summary: { add: 1, change: 1, import: 0, remove: 1 }, dataVolumeChanges: [] });
    const outputs = result.kind === 'applied' ? result.outputs : {};
    expect(outputs['execution_rpc_url']?.value).toBe('http://geth-2.sandbox.local:8545');
    expect(outputs['jwt_secret']?.value).not.toBe(jwt);
    expect(messages(progress)).toEqual([
      'initialising terraform',
      'planning the update',
      'planned: 1 to add, 1 to change, 1 to destroy',
      expect.stringMatching(/^applying 1\/2: terraform_data\./),
      expect.stringMatching(/^applying [12]\/2: terraform_data\./),
      expect.stringMatching(/^applying [12]\/2: terraform_data\./),
      'apply complete: 1 added, 1 changed, 1 destroyed',
      'reading outputs',
    ]);
    expect(JSON.parse(readFileSync(ws.configFile, 'utf8'))).toEqual(sandboxConfig({ generation: '2' }));
    expect(existsSync(join(ws.dir, UPDATE_PLAN_FILE))).toBe(false);
  });

  it('applies an update that resizes the data volume when the caller opted in, naming what it lost', async () => {
    const result = await runner.update(key, sandboxConfig({ generation: '2', volumeSizeGi: 2000 }), { allowDataVolumeReplacement: true });
    expect(result).toMatchObject({
      kind: 'applied',
      summary: { add: 0, change: 1, remove: 0 },
      dataVolumeChanges: [{ resource: expect.objectContaining({ address: 'terraform_data.execution_storage' }), action: 'update' }],
    });
  });

  it('deprovisions, removing the workspace, and deprovisions again as a no-op', async () => {
    const progress: RunProgress[] = [];
    expect(await runner.destroy(key, { onProgress: (p) => progress.push(p) })).toEqual({ destroyed: 3 });
    expect(messages(progress)).toContain('destroy complete: 3 destroyed');
    expect(existsSync(ws.dir)).toBe(false);
    expect(await runner.destroy(key)).toEqual({ destroyed: 0 });
  });

  it('never logged a secret', () => {
    const logged = JSON.stringify(log.entries);
    expect(log.entries.length).toBeGreaterThan(0);
    expect(logged).not.toContain(jwt);
    expect(logged).not.toContain('jwt-');
  });
});

describe('update', () => {
  it('of an instance this host never provisioned (local backend: no state) creates it', async () => {
    const { runner, workspaces } = runnerWith();
    const result = await runner.update('fresh', sandboxConfig());
    expect(result).toMatchObject({ kind: 'applied', summary: { add: 3 }, dataVolumeChanges: [] });
    expect(await workspaces.localState(workspaces.for('fresh'))).toEqual({ kind: 'resources', count: 3 });
  });

  it('that fails to plan keeps the configuration the state was made from', async () => {
    const { runner, workspaces } = runnerWith();
    await runner.apply('broken-update', sandboxConfig());
    const ws = workspaces.for('broken-update');
    const applied = readFileSync(ws.configFile, 'utf8');
    const error = await failure(runner.update('broken-update', { ...fixtureConfig('invalid.tf.json'), terraform: sandboxConfig().terraform }));
    expect(error).toBeInstanceOf(TerraformError);
    expect(readFileSync(ws.configFile, 'utf8')).toBe(applied);
    expect(existsSync(join(ws.dir, UPDATE_PLAN_FILE))).toBe(false);
  });

  it('saves its plan (which holds configuration values, secrets included) in a file that is private while terraform writes it', async () => {
    // GIVEN a `terraform` that records the mode of the plan file as `plan -out` left it
    const tools = tempDir('plan-mode');
    dirs.push(tools);
    const real = execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim();
    const modes = join(tools.path, 'plan-modes');
    const wrapper = join(tools.path, 'terraform');
    writeFileSync(
      wrapper,
      [
        '#!/bin/bash',
        'if [ "$1" = plan ]; then',
        `  ${real} "$@"; rc=$?`,
        `  for arg in "$@"; do case "$arg" in -out=*) stat -c %a "\${arg#-out=}" >> ${modes};; esac; done`,
        '  exit $rc',
        'fi',
        `exec ${real} "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const { runner, workspaces } = runnerWith({ terraformBin: wrapper });
    await runner.apply('plan-mode', sandboxConfig());

    // WHEN an update plans and applies
    const result = await runner.update('plan-mode', sandboxConfig({ generation: '2' }));

    // THEN the plan file was 0600 when terraform finished writing it, and it is gone afterwards
    expect(result.kind).toBe('applied');
    expect(readFileSync(modes, 'utf8')).toBe('600\n');
    expect(existsSync(join(workspaces.for('plan-mode').dir, UPDATE_PLAN_FILE))).toBe(false);
  });
});

describe('the runner\'s own environment', () => {
  it('runs terraform with HOME in a private runner directory, and makes existing runner directories private', async () => {
    const { runner, dataDir, workspaces } = runnerWith();
    mkdirSync(join(dataDir, 'terraform', 'plugin-cache'), { recursive: true, mode: 0o755 });
    chmodSync(join(dataDir, 'terraform'), 0o755);
    const config = {
      terraform: sandboxConfig().terraform,
      resource: { terraform_data: { home: { provisioner: [{ 'local-exec': { command: 'printf %s "$HOME" > home.txt' } }] } } },
    };
    await runner.apply('home', config);
    expect(readFileSync(join(workspaces.for('home').dir, 'home.txt'), 'utf8')).toBe(join(dataDir, 'terraform', 'home'));
    for (const dir of ['terraform', 'terraform/plugin-cache', 'terraform/home']) expect(mode(join(dataDir, dir)), dir).toBe(0o700);
  });
});

describe('idempotent deprovision', () => {
  it('of an instance that was never provisioned runs no terraform and creates nothing', async () => {
    const { runner, log, workspaces } = runnerWith();
    const progress: RunProgress[] = [];
    expect(await runner.destroy('never-provisioned', { onProgress: (p) => progress.push(p) })).toEqual({ destroyed: 0 });
    expect(messages(progress)).toEqual(['nothing to destroy']);
    expect(existsSync(workspaces.for('never-provisioned').dir)).toBe(false);
    expect(log.entries).toEqual([]);
  });

  it('of an applied instance whose local state is not here (lost data dir, another replica) fails, never "nothing to destroy"', async () => {
    const { runner, workspaces } = runnerWith();
    const error = await failure(runner.destroy('applied-elsewhere', { expectState: true }));
    expect(error).toBeInstanceOf(ExternalError);
    expect(error.message).toMatch(/not on this broker.*nothing was destroyed/);
    // With the workspace present but its state file gone: the same.
    await runner.apply('state-lost', sandboxConfig());
    rmSync(join(workspaces.for('state-lost').dir, 'terraform.tfstate'));
    expect((await failure(runner.destroy('state-lost', { expectState: true }))).message).toMatch(/not on this broker/);
  });

  it('workspace GC (local backend): removes workspaces of gone instances without resources, keeps live ones and any holding resources', async () => {
    const { runner, workspaces } = runnerWith();
    await runner.apply('gc-live', sandboxConfig());
    await runner.apply('gc-gone-with-resources', sandboxConfig());
    await workspaces.writeConfig(workspaces.for('gc-gone-empty'), sandboxConfig());
    const collected = await runner.collectWorkspaces(['gc-live']);
    expect(collected.removed).toEqual([workspaces.for('gc-gone-empty').id]);
    expect(collected.keptWithResources).toEqual([workspaces.for('gc-gone-with-resources').id]);
    expect(existsSync(workspaces.for('gc-live').dir)).toBe(true);
    expect(existsSync(workspaces.for('gc-gone-empty').dir)).toBe(false);
  });

  it('of a half-provisioned instance destroys what the failed apply created', async () => {
    const { runner, workspaces } = runnerWith();
    const error = await failure(runner.apply('half', fixtureConfig('half-provisioned.tf.json')));
    expect(error).toBeInstanceOf(TerraformError);
    expect(error.message).toBe('terraform apply failed (exit code 1): Resource postcondition failed: The sandbox beacon node was told to fail after creation.');
    expect(await workspaces.localState(workspaces.for('half'))).toEqual({ kind: 'resources', count: 2 });

    expect(await runner.destroy('half')).toEqual({ destroyed: 2 });
    expect(existsSync(workspaces.for('half').dir)).toBe(false);
  });

  it('of an instance whose terraform init never succeeded (provider not installable)', async () => {
    const { runner, workspaces } = runnerWith();
    const error = await failure(runner.apply('no-provider', fixtureConfig('provider-unreachable.tf.json')));
    expect(error).toMatchObject({ failure: { kind: 'provider-install', providers: ['hashicorp/random'] } });
    expect(error.message).toContain('OVSB_PROVIDER_MIRROR');
    expect(await runner.destroy('no-provider')).toEqual({ destroyed: 0 });
    expect(existsSync(workspaces.for('no-provider').dir)).toBe(false);
  });
});

describe('concurrency', () => {
  it('runs two instances in parallel', async () => {
    const { runner } = runnerWith();
    const [a, b] = await Promise.all([runner.apply('parallel-a', sandboxConfig()), runner.apply('parallel-b', sandboxConfig({ generation: 'b' }))]);
    expect(a.outputs['execution_rpc_url']?.value).toBe('http://geth-1.sandbox.local:8545');
    expect(b.outputs['execution_rpc_url']?.value).toBe('http://geth-b.sandbox.local:8545');
    await Promise.all([runner.destroy('parallel-a'), runner.destroy('parallel-b')]);
  });

  it('once the providers are installed and the backend initialised, inits of different instances never wait for each other', async () => {
    const { runner } = runnerWith();
    await runner.apply('warm-0', sandboxConfig());
    const progress: string[][] = [[], [], []];
    await Promise.all(progress.map((messages, i) => runner.apply(`warm-${i + 1}`, sandboxConfig(), { onProgress: (p) => messages.push(p.message) })));
    for (const messages of progress) {
      expect(messages).toContain('initialising terraform');
      expect(messages).not.toContain("waiting for another instance's terraform init");
    }
  });

  it('queues runs beyond maxConcurrent', async () => {
    const { runner } = runnerWith({ maxConcurrent: 1 });
    const progress: Record<string, string[]> = { a: [], b: [] };
    await Promise.all(
      (['a', 'b'] as const).map((name) => runner.apply(`pool-${name}`, sandboxConfig(), { onProgress: (p) => progress[name]?.push(p.message) })),
    );
    expect(progress['b']?.[0]).toBe('waiting for a free terraform slot (1 runs in progress)');
    expect(progress['a']?.[0]).toBe('initialising terraform');
  });

  it('never runs two operations on one instance at once', async () => {
    const { runner } = runnerWith();
    const events: string[] = [];
    const track = (name: string) => (p: RunProgress) => events.push(`${name}: ${p.message}`);
    const first = runner.apply('same', sandboxConfig(), { onProgress: track('apply') });
    const second = runner.destroy('same', { onProgress: track('destroy') });
    expect(await first).toMatchObject({ summary: { add: 3 } });
    expect(await second).toEqual({ destroyed: 3 });
    const lastOfApply = events.indexOf('apply: reading outputs');
    const firstOfDestroyRun = events.indexOf('destroy: initialising terraform');
    expect(events).toContain('destroy: waiting for the previous terraform run on this instance to finish');
    expect(lastOfApply).toBeGreaterThanOrEqual(0);
    expect(firstOfDestroyRun).toBeGreaterThan(lastOfApply);
  });
});

describe('a broker crash leaves terraform running in the workspace', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  /** A terraform process holding the workspace's state lock, as an apply of the crashed broker would. */
  async function leftRunning(dataDir: string, dir: string): Promise<ChildProcess> {
    const child = spawn(bin, ['console'], {
      cwd: dir,
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', TF_CLI_CONFIG_FILE: join(dataDir, 'terraform/cli.tfrc'), CHECKPOINT_DISABLE: '1' },
    });
    children.push(child);
    await eventually(() => existsSync(join(dir, '.terraform.tfstate.lock.info')), 'terraform holds the state lock');
    return child;
  }

  it('interrupts the left-over terraform, logs it, and applies', async () => {
    const { runner, log, dataDir, workspaces } = runnerWith({ interruptGraceMs: 500 });
    await runner.apply('crashed', sandboxConfig());
    const orphan = await leftRunning(dataDir, workspaces.for('crashed').dir);

    const { outputs } = await runner.apply('crashed', sandboxConfig({ generation: '2' }));
    expect(outputs['execution_rpc_url']?.value).toBe('http://geth-2.sandbox.local:8545');
    expect(orphan.exitCode !== null || orphan.signalCode !== null).toBe(true);
    expect(log.entries).toContainEqual({
      level: 'warn',
      fields: { workspace: workspaces.for('crashed').id, pids: [orphan.pid] },
      message: 'interrupting terraform left running in the workspace by a previous broker process',
    });
  });

  it('is not blocked by the lock info a killed terraform leaves behind', async () => {
    const { runner, dataDir, workspaces } = runnerWith();
    await runner.apply('killed', sandboxConfig());
    const ws = workspaces.for('killed');
    const killed = await leftRunning(dataDir, ws.dir);
    process.kill(killed.pid!, 'SIGKILL');
    await eventually(() => killed.exitCode !== null || killed.signalCode !== null, 'the left-over terraform died');
    expect(existsSync(join(ws.dir, '.terraform.tfstate.lock.info'))).toBe(true);

    expect(await runner.destroy('killed')).toEqual({ destroyed: 3 });
  });
});

describe('time limits and cancellation', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let port = 0;
  beforeAll(async () => {
    server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    return () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    };
  });
  /** Needs a provider from a registry that accepts connections and never answers: init hangs. */
  const hanging = () => ({ terraform: { required_providers: { slow: { source: `localhost:${port}/ovsb/slow` } } } });

  it('interrupts terraform at the time limit and says so', async () => {
    const { runner } = runnerWith({ interruptGraceMs: 300 });
    const error = await failure(runner.apply('slow', hanging(), { timeoutMs: 2_000 }));
    expect(error).toMatchObject({ failure: { kind: 'timeout', limitSeconds: 2 } });
    expect(error.message).toBe('terraform apply did not finish within 2 s and was interrupted (while running terraform init)');
  });

  it('fails a queued operation that never got a slot within its limit', async () => {
    const { runner } = runnerWith({ maxConcurrent: 1, interruptGraceMs: 300 });
    // The queued run starts only once the slow one holds the only slot (terraform init is running).
    let slowHasTheSlot: () => void = () => undefined;
    const slotTaken = new Promise<void>((resolve) => (slowHasTheSlot = resolve));
    const slow = failure(
      runner.apply('slow', hanging(), { timeoutMs: 3_000, onProgress: (p) => p.message === 'initialising terraform' && slowHasTheSlot() }),
    );
    await slotTaken;
    const queued = await failure(runner.apply('queued', sandboxConfig(), { timeoutMs: 1_000 }));
    expect(queued).toMatchObject({ failure: { kind: 'timeout', limitSeconds: 1 } });
    expect(queued.message).toBe('terraform apply did not finish within 1 s: it waited for other terraform runs and never started');
    expect(await slow).toMatchObject({ failure: { kind: 'timeout' } });
  });

  it('kills a terraform that ignores SIGINT inside the deadline, however long the configured grace', async () => {
    // Stands in for a hung terraform: ignores SIGINT, as a provider stuck in a call can make terraform do.
    const stubborn = join(tempDir('stubborn').path, 'terraform');
    writeFileSync(stubborn, "#!/bin/sh\ntrap '' INT\nexec sleep 600\n", { mode: 0o755 });
    const { runner } = runnerWith({ terraformBin: stubborn, interruptGraceMs: 600_000 });
    const error = await failure(runner.apply('stubborn', sandboxConfig(), { timeoutMs: 2_000 }));
    expect(error).toMatchObject({ failure: { kind: 'timeout', limitSeconds: 2 }, details: { signal: 'SIGKILL' } });
    expect(error.message).toBe('terraform apply did not finish within 2 s and was interrupted (while running terraform init)');
  });

  it('fails an operation whose deadline passed before it began, running nothing', async () => {
    const { runner, log, workspaces } = runnerWith();
    const error = await failure(runner.apply('late', sandboxConfig(), { deadline: Date.now() - 1_000 }));
    expect(error).toMatchObject({ failure: { kind: 'timeout' } });
    expect(error.message).toMatch(/^terraform apply did not finish within 0 s: its deadline had passed before it began$/);
    expect(log.entries).toEqual([]);
    expect(existsSync(workspaces.for('late').dir)).toBe(false);
  });

  it('interrupts terraform when the operation is cancelled', async () => {
    const { runner } = runnerWith({ interruptGraceMs: 300 });
    const controller = new AbortController();
    const error = failure(
      runner.apply('cancelled', hanging(), { signal: controller.signal, onProgress: (p) => p.message === 'initialising terraform' && setTimeout(() => controller.abort(), 200) }),
    );
    expect(await error).toMatchObject({ failure: { kind: 'aborted' }, message: 'terraform apply was cancelled and terraform was interrupted (while running terraform init)' });
  });
});

describe('contract checks', () => {
  it('prescribes the local state file for synthesis', () => {
    const { runner } = runnerWith();
    expect(runner.backendProps('x')).toEqual({ kind: 'local', path: 'terraform.tfstate' });
  });

  it('refuses a configuration synthesised for another backend before writing anything', async () => {
    const { runner, workspaces } = runnerWith();
    const error = await failure(runner.apply('wrong-backend', sandboxConfig({ backend: { pg: { schema_name: 'ovsb_x' } } })));
    expect(error.message).toMatch(/uses the pg backend; synthesise it with TerraformRunner.backendProps\(\)/);
    expect(existsSync(workspaces.for('wrong-backend').configFile)).toBe(false);
  });

  it('reports outputs of an unknown instance as an external error', async () => {
    const { runner } = runnerWith();
    const error = await failure(runner.outputs('unknown'));
    expect(error).toBeInstanceOf(ExternalError);
    expect(error.message).toMatch(/does not exist or has no configuration; provision the instance first/);
  });
});
