/**
 * TerraformRunner with terraform's pg backend against a throwaway PostgreSQL cluster
 * (test/support/postgres.ts): one schema per instance, PG_CONN_STR from the runner, schema dropped
 * after destroy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ExternalError } from '../../src/errors';
import { TerraformError } from '../../src/terraform/errors';
import { TerraformRunner, UPDATE_PLAN_FILE } from '../../src/terraform/runner';
import { Workspaces } from '../../src/terraform/workspace';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { backendBlock, eventually, fixtureConfig, recordingLog, sandboxConfig, tempDir } from './helpers';

const bin = process.env['OVSB_TERRAFORM_BIN'] ?? 'terraform';

let postgres: TestPostgres;
let connectionString: string;
const data = tempDir('runner-pg');
const log = recordingLog();
let runner: TerraformRunner;
const workspaces = new Workspaces(data.path);

beforeAll(async () => {
  postgres = await startPostgres();
  // terraform's pg driver (lib/pq) defaults to sslmode=require; the test cluster has no TLS.
  connectionString = `${postgres.url}?sslmode=disable`;
  runner = new TerraformRunner({ terraformBin: bin, dataDir: data.path, backend: { kind: 'pg', connectionString }, lockTimeoutMs: 5_000, interruptGraceMs: 1_000, log });
});
afterAll(async () => {
  await postgres?.stop();
  data.remove();
});

async function schemas(): Promise<string[]> {
  const client = new Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ovsb_%' ORDER BY nspname");
    return rows.map((row) => row.nspname);
  } finally {
    await client.end();
  }
}

/** Advisory locks held: the pg backend's state locks. */
async function advisoryLocks(): Promise<number> {
  const client = new Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted");
    return Number(rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

/** A configuration for `key` with the backend block the runner prescribes. */
const configFor = (key: string, base: Record<string, unknown> = sandboxConfig()) => ({
  ...base,
  terraform: { backend: backendBlock(runner.backendProps(key)) },
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the operation to fail');
}

describe('pg backend', () => {
  it('provisions into its own schema, updates, and drops the schema on deprovision', async () => {
    const key = 'pg-instance-1';
    const schema = runner.backendProps(key);
    expect(schema).toEqual({ kind: 'pg', schemaName: expect.stringMatching(/^ovsb_[0-9a-f]{32}$/) });
    const schemaName = schema.kind === 'pg' ? schema.schemaName : '';

    const { outputs } = await runner.apply(key, configFor(key));
    expect(outputs['execution_rpc_url']?.value).toBe('http://geth-1.sandbox.local:8545');
    expect(await schemas()).toContain(schemaName);

    const ws = workspaces.for(key);
    expect(existsSync(join(ws.dir, 'terraform.tfstate'))).toBe(false);
    for (const file of [ws.configFile, join(ws.dir, '.terraform/terraform.tfstate')]) {
      expect(readFileSync(file, 'utf8')).not.toContain(postgres.url);
    }

    const updated = await runner.apply(key, configFor(key, sandboxConfig({ generation: '2' })));
    expect(updated.outputs['execution_rpc_url']?.value).toBe('http://geth-2.sandbox.local:8545');
    expect((await runner.outputs(key))['execution_rpc_url']?.value).toBe('http://geth-2.sandbox.local:8545');

    expect(await runner.destroy(key)).toEqual({ destroyed: 3 });
    expect(await schemas()).not.toContain(schemaName);
    expect(existsSync(ws.dir)).toBe(false);
    expect(JSON.stringify(log.entries)).not.toContain(postgres.url);
  });

  it('deprovisions a never-provisioned instance without creating a schema', async () => {
    const before = await schemas();
    expect(await runner.destroy('pg-never')).toEqual({ destroyed: 0 });
    expect(await schemas()).toEqual(before);
  });

  it('deprovisions a half-provisioned instance', async () => {
    const key = 'pg-half';
    const error = await failure(runner.apply(key, configFor(key, fixtureConfig('half-provisioned.tf.json'))));
    expect(error).toBeInstanceOf(TerraformError);
    expect(await runner.destroy(key)).toEqual({ destroyed: 2 });
    expect(await schemas()).not.toContain(`ovsb_${workspaces.for(key).id.slice(3)}`);
  });

  it('deprovisions an instance whose workspace is gone (another replica provisioned it) given its configuration', async () => {
    const key = 'pg-other-replica';
    await runner.apply(key, configFor(key));
    rmSync(workspaces.for(key).dir, { recursive: true });

    const missing = await failure(runner.destroy(key));
    expect(missing).toBeInstanceOf(ExternalError);
    expect(missing.message).toMatch(/holds state but no configuration to destroy it with; pass the instance's synthesised configuration/);

    expect(await runner.destroy(key, { config: configFor(key) })).toEqual({ destroyed: 3 });
    expect(await schemas()).not.toContain(`ovsb_${workspaces.for(key).id.slice(3)}`);
  });

  it('workspace GC removes every workspace no run here holds (the state is in the backend); the instance still deprovisions after', async () => {
    const key = 'pg-collected';
    await runner.apply(key, configFor(key));
    expect(existsSync(workspaces.for(key).dir)).toBe(true);
    const collected = await runner.collectWorkspaces([key]);
    expect(collected.removed).toContain(workspaces.for(key).id);
    expect(existsSync(workspaces.for(key).dir)).toBe(false);
    expect(await runner.destroy(key, { config: configFor(key), expectState: true })).toEqual({ destroyed: 3 });
  });

  it('updates as one run against the remote state when this host never had the workspace: refused without opt-in, applied with it', async () => {
    const key = 'pg-update-elsewhere';
    await runner.apply(key, configFor(key));
    const ws = workspaces.for(key);
    rmSync(ws.dir, { recursive: true });

    // The plan reads the state from PostgreSQL: it sees that the volume would change, although nothing is local.
    const refused = await runner.update(key, configFor(key, sandboxConfig({ volumeSizeGi: 2000 })));
    expect(refused).toEqual({ kind: 'refused', changes: [{ resource: expect.objectContaining({ address: 'terraform_data.execution_storage' }), action: 'update' }] });
    expect(existsSync(ws.configFile)).toBe(false);
    expect(existsSync(join(ws.dir, UPDATE_PLAN_FILE))).toBe(false);

    const applied = await runner.update(key, configFor(key, sandboxConfig({ generation: '2', volumeSizeGi: 2000 })), { allowDataVolumeReplacement: true });
    expect(applied).toMatchObject({ kind: 'applied', summary: { add: 1, change: 2, remove: 1 }, dataVolumeChanges: [expect.objectContaining({ action: 'update' })] });
    expect(applied.kind === 'applied' && applied.outputs['execution_rpc_url']?.value).toBe('http://geth-2.sandbox.local:8545');
    expect(existsSync(join(ws.dir, UPDATE_PLAN_FILE))).toBe(false);
    expect(await runner.destroy(key)).toEqual({ destroyed: 3 });
  });

  describe('with the state locked by a terraform run elsewhere', () => {
    const children: ChildProcess[] = [];
    afterEach(() => {
      for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    it('waits -lock-timeout, then fails naming the lock', async () => {
      const key = 'pg-locked';
      await runner.apply(key, configFor(key));
      // Another broker replica's terraform on the same state: its own directory, same schema.
      const elsewhere = join(data.path, 'elsewhere');
      mkdirSync(elsewhere, { recursive: true });
      writeFileSync(join(elsewhere, 'main.tf.json'), JSON.stringify(configFor(key)));
      const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PG_CONN_STR: connectionString, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: join(data.path, 'terraform/cli.tfrc') };
      const init = spawn(bin, ['init', '-input=false', '-no-color'], { cwd: elsewhere, env, stdio: 'ignore' });
      children.push(init);
      await eventually(() => init.exitCode !== null, 'terraform init elsewhere finished');
      expect(init.exitCode).toBe(0);
      const holder = spawn(bin, ['console'], { cwd: elsewhere, env, stdio: ['pipe', 'ignore', 'ignore'] });
      children.push(holder);
      await eventually(async () => (await advisoryLocks()) > 0, 'the other terraform holds the state lock');

      const impatient = new TerraformRunner({ terraformBin: bin, dataDir: data.path, backend: { kind: 'pg', connectionString }, lockTimeoutMs: 1_000, log });
      const error = await failure(impatient.apply(key, configFor(key, sandboxConfig({ generation: '2' }))));
      expect(error).toMatchObject({ failure: { kind: 'state-locked' } });
      expect(error.message).toMatch(/^terraform apply could not acquire the state lock within 1 s: another terraform run holds it: Workspace is already locked: default/);

      holder.stdin?.end();
      await eventually(() => holder.exitCode !== null, 'the other terraform released the lock');
      expect(await runner.destroy(key)).toEqual({ destroyed: 3 });
    });
  });
});

describe('the backend check at start', () => {
  it('refuses a pg connection string without sslmode=disable on a server without TLS, naming the fix; passes with it; leaves no schema', async () => {
    const before = await schemas();
    const plain = new TerraformRunner({ terraformBin: bin, dataDir: data.path, backend: { kind: 'pg', connectionString: postgres.url }, log });
    const error = await plain.checkBackend().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(ExternalError);
    expect(error?.message).toContain('sslmode=disable');
    await expect(runner.checkBackend()).resolves.toBeUndefined();
    expect(await schemas()).toEqual(before);
  });

  it('/ready reflects it: the readiness check fails with the reason until the backend works', async () => {
    const { backendReadiness } = await import('../../src/service/readiness');
    const plain = new TerraformRunner({ terraformBin: bin, dataDir: data.path, backend: { kind: 'pg', connectionString: postgres.url }, log });
    const failing = backendReadiness(() => plain.checkBackend());
    await failing.start();
    await expect(failing.check()).rejects.toThrow(/sslmode=disable/);
    const working = backendReadiness(() => runner.checkBackend());
    await expect(working.check()).resolves.toBeUndefined();
  });
});
