/**
 * The invoker against the real terraform binary (OVSB_TERRAFORM_BIN or `terraform` on PATH), offline:
 * only built-in providers install, which is what the sandbox-like configurations use.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { writeCliConfig } from '../../src/terraform/cli-config';
import type { CommandContext } from '../../src/terraform/commands';
import { TerraformError } from '../../src/terraform/errors';
import type { TerraformEvent } from '../../src/terraform/events';
import { TerraformInvoker } from '../../src/terraform/invoker';
import { fixtureConfig, recordingLog, sandboxConfig, tempDir } from './helpers';

const bin = process.env['OVSB_TERRAFORM_BIN'] ?? 'terraform';
const root = tempDir('invoker');
afterAll(() => root.remove());

let counter = 0;
/** A fresh workspace with `config` as cdk.tf.json and a CLI config (optionally with a provider mirror). */
async function workspace(config: object, providerMirror?: string): Promise<CommandContext> {
  counter += 1;
  const cwd = join(root.path, `ws-${counter}`);
  const pluginCacheDir = join(root.path, 'plugin-cache');
  mkdirSync(cwd, { recursive: true });
  mkdirSync(pluginCacheDir, { recursive: true });
  writeFileSync(join(cwd, 'cdk.tf.json'), JSON.stringify(config));
  const cliConfigFile = join(root.path, `cli-${counter}.tfrc`);
  await writeCliConfig(cliConfigFile, { pluginCacheDir, ...(providerMirror ? { providerMirror } : {}) });
  return { cwd, cliConfigFile, pluginCacheDir };
}

const log = recordingLog();
const invoker = new TerraformInvoker({ bin, killGraceMs: 2_000, log });
const locking = { lockTimeoutSec: 5, timeoutMs: 60_000 };

async function failure(promise: Promise<unknown>): Promise<TerraformError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TerraformError) return error;
    throw error;
  }
  throw new Error('expected a TerraformError');
}

describe('TerraformInvoker on a sandbox-like configuration', () => {
  let ws: CommandContext;
  beforeAll(async () => {
    ws = await workspace(sandboxConfig());
    await invoker.init(ws, locking);
  });

  it('validates, plans, applies, reads outputs and state, and destroys', async () => {
    expect(await invoker.validate(ws)).toEqual({ valid: true, errorCount: 0, warningCount: 0, diagnostics: [] });

    const plan = await invoker.plan(ws, locking);
    expect(plan.changes.map((c) => [c.resource.address, c.action]).sort()).toEqual([
      ['terraform_data.beacon', 'create'],
      ['terraform_data.execution', 'create'],
      ['terraform_data.execution_storage', 'create'],
    ]);
    expect(plan.summary).toEqual({ add: 3, change: 0, import: 0, remove: 0 });

    const events: TerraformEvent[] = [];
    const applied = await invoker.apply(ws, { ...locking, onEvent: (event) => events.push(event) });
    expect(applied.summary).toEqual({ add: 3, change: 0, import: 0, remove: 0 });
    expect(events[0]?.type).toBe('version');
    expect(events.filter((e) => e.type === 'apply_complete')).toHaveLength(3);

    const outputs = await invoker.output(ws);
    expect(outputs['execution_rpc_url']).toEqual({ value: 'http://geth-1.sandbox.local:8545', type: 'string', sensitive: false });
    expect(outputs['jwt_secret']).toMatchObject({ sensitive: true, value: expect.stringMatching(/^jwt-[0-9a-f-]{36}$/) });

    const state = await invoker.show(ws);
    expect(state.resources.map((r) => r.address)).toEqual(['terraform_data.beacon', 'terraform_data.execution', 'terraform_data.execution_storage']);
    expect(JSON.stringify(state)).not.toContain(String(outputs['jwt_secret']?.value));

    expect(await invoker.destroy(ws, locking)).toEqual({ summary: { add: 0, change: 0, import: 0, remove: 3 } });
    expect((await invoker.show(ws)).resources).toEqual([]);
  });

  it('logs commands without secrets', async () => {
    const secretWs = { ...ws, env: { PG_CONN_STR: 'postgres://u:hunter2@h/db' } };
    await invoker.output(secretWs);
    const logged = JSON.stringify(log.entries);
    expect(logged).toContain('terraform output -json');
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toMatch(/jwt-[0-9a-f-]{36}/);
  });
});

describe('TerraformInvoker failures', () => {
  it('returns the verdict for an invalid configuration', async () => {
    const ws = await workspace(fixtureConfig('invalid.tf.json'));
    await invoker.init(ws, locking);
    const result = await invoker.validate(ws);
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map((d) => d.summary)).toEqual(['Reference to undeclared input variable']);
  });

  it('turns a failed apply into a TerraformError with the diagnostic', async () => {
    const ws = await workspace(fixtureConfig('half-provisioned.tf.json'));
    await invoker.init(ws, locking);
    const error = await failure(invoker.apply(ws, locking));
    expect(error.failure).toEqual({ kind: 'failed' });
    expect(error.details.exitCode).toBe(1);
    expect(error.message).toBe('terraform apply failed (exit code 1): Resource postcondition failed: The sandbox beacon node was told to fail after creation.');
  });

  it('names the provider and OVSB_PROVIDER_MIRROR when the registry is unreachable', async () => {
    const ws = await workspace(fixtureConfig('provider-unreachable.tf.json'));
    // Offline, the registry's name does not resolve: init fails at once; the timeout only bounds the test.
    const error = await failure(invoker.init(ws, { ...locking, timeoutMs: 30_000 }));
    expect(error.failure).toEqual({ kind: 'provider-install', providers: ['hashicorp/random'] });
    expect(error.message).toMatch(/^terraform init could not install provider hashicorp\/random: .*Set OVSB_PROVIDER_MIRROR to a filesystem mirror directory/);
  });

  it('names the mirror when the provider is not in it', async () => {
    const mirror = join(root.path, 'empty-mirror');
    mkdirSync(mirror, { recursive: true });
    const ws = await workspace(fixtureConfig('provider-unreachable.tf.json'), mirror);
    const mirrored = new TerraformInvoker({ bin, killGraceMs: 2_000, log, providerMirror: mirror });
    const error = await failure(mirrored.init(ws, { ...locking, timeoutMs: 30_000 }));
    expect(error.failure).toEqual({ kind: 'provider-install', providers: ['hashicorp/random'] });
    expect(error.message).toContain(`the provider mirror ${mirror} (OVSB_PROVIDER_MIRROR) does not hold it`);
  });

  it('installs a provider from the mirror without the registry', async () => {
    const platform = `linux_${process.arch === 'x64' ? 'amd64' : process.arch}`;
    const mirror = join(root.path, 'mirror');
    const packageDir = join(mirror, 'registry.terraform.io/ovsb-test/dummy/1.0.0', platform);
    mkdirSync(packageDir, { recursive: true });
    // Installation only copies and hashes the package; nothing here ever executes it.
    writeFileSync(join(packageDir, 'terraform-provider-dummy_v1.0.0'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(packageDir, 'terraform-provider-dummy_v1.0.0'), 0o755);
    const ws = await workspace({ terraform: { required_providers: { dummy: { source: 'ovsb-test/dummy', version: '1.0.0' } } } }, mirror);
    await invoker.init(ws, { ...locking, timeoutMs: 30_000 });
    expect(existsSync(join(ws.cwd, '.terraform/providers/registry.terraform.io/ovsb-test/dummy/1.0.0', platform))).toBe(true);
  });

  describe('with a registry that accepts connections and never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    let port = 0;
    beforeEach(async () => {
      server = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
      return () => {
        for (const socket of sockets) socket.destroy();
        server.close();
      };
    });

    // terraform init does not stop on SIGINT while it waits for a registry: a short grace keeps this fast.
    const impatient = new TerraformInvoker({ bin, killGraceMs: 300, log });

    it('interrupts init at the time limit and says so', async () => {
      const ws = await workspace({ terraform: { required_providers: { slow: { source: `localhost:${port}/ovsb/slow` } } } });
      const error = await failure(impatient.init(ws, { ...locking, timeoutMs: 1_000, operation: 'terraform apply' }));
      expect(error.failure).toEqual({ kind: 'timeout', limitSeconds: 1 });
      expect(error.message).toBe('terraform apply did not finish within 1 s and was interrupted (while running terraform init)');
    });

    it('interrupts init when the operation is cancelled', async () => {
      const ws = await workspace({ terraform: { required_providers: { slow: { source: `localhost:${port}/ovsb/slow` } } } });
      const error = await failure(impatient.init(ws, { ...locking, signal: AbortSignal.timeout(500) }));
      expect(error.failure).toEqual({ kind: 'aborted' });
    });
  });

  it('says which binary is missing', async () => {
    const ws = await workspace(sandboxConfig());
    const missing = new TerraformInvoker({ bin: join(root.path, 'no-terraform'), killGraceMs: 1_000, log });
    const error = await failure(missing.init(ws, locking));
    expect(error.failure).toEqual({ kind: 'binary-missing', bin: join(root.path, 'no-terraform') });
  });
});
