import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { managedInstanceCount, resolveInside, workspaceId, Workspaces } from '../../src/terraform/workspace';
import { tempDir } from './helpers';

describe('workspaceId', () => {
  it('derives the id from a SHA-256 of the instance key, never the key itself', () => {
    const key = '../../etc/passwd';
    const id = workspaceId(key);
    expect(id).toBe(`ws-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`);
    expect(id).toMatch(/^ws-[0-9a-f]{32}$/);
    expect(workspaceId('a')).not.toBe(workspaceId('b'));
  });
});

describe('Workspaces', () => {
  let data: ReturnType<typeof tempDir>;
  let workspaces: Workspaces;
  beforeEach(() => {
    data = tempDir('workspaces');
    workspaces = new Workspaces(data.path);
  });
  afterEach(() => data.remove());

  it('places a workspace under <dataDir>/workspaces/<id>', () => {
    const ws = workspaces.for('instance-1');
    expect(ws.dir).toBe(join(data.path, 'workspaces', workspaceId('instance-1')));
    expect(ws.configFile).toBe(join(ws.dir, 'cdk.tf.json'));
    expect(ws.dependencyLockFile).toBe(join(ws.dir, '.terraform.lock.hcl'));
  });

  it('writes the configuration 0600 in 0700 directories and reads it back', async () => {
    const ws = workspaces.for('instance-1');
    expect(await workspaces.exists(ws)).toBe(false);
    expect(await workspaces.readConfig(ws)).toBeUndefined();
    await workspaces.writeConfig(ws, { resource: { terraform_data: { x: {} } } });
    expect(await workspaces.exists(ws)).toBe(true);
    expect(statSync(ws.dir).mode & 0o777).toBe(0o700);
    expect(statSync(workspaces.root).mode & 0o777).toBe(0o700);
    expect(statSync(ws.configFile).mode & 0o777).toBe(0o600);
    expect(await workspaces.readConfig(ws)).toEqual({ resource: { terraform_data: { x: {} } } });
    await workspaces.removeConfig(ws);
    expect(await workspaces.readConfig(ws)).toBeUndefined();
  });

  it('tells an initialised workspace by its .terraform directory', async () => {
    const ws = workspaces.for('instance-1');
    await workspaces.create(ws);
    expect(await workspaces.isInitialised(ws)).toBe(false);
    mkdirSync(join(ws.dir, '.terraform'));
    expect(await workspaces.isInitialised(ws)).toBe(true);
  });

  it.each<[string, string | undefined, string]>([
    ['no state file', undefined, 'absent'],
    ['a state with resources', JSON.stringify({ version: 4, resources: [{ mode: 'managed', type: 'terraform_data', name: 'x', instances: [{}] }] }), 'resources'],
    ['a state whose resources are gone', JSON.stringify({ version: 4, resources: [] }), 'empty'],
    ['a state with only data sources', JSON.stringify({ version: 4, resources: [{ mode: 'data', instances: [{}] }] }), 'empty'],
    ['a file truncated by a crash', '', 'unreadable'],
  ])('reads %s', async (_case, content, kind) => {
    const ws = workspaces.for('instance-1');
    await workspaces.create(ws);
    if (content !== undefined) writeFileSync(join(ws.dir, 'terraform.tfstate'), content);
    expect((await workspaces.localState(ws)).kind).toBe(kind);
  });

  it('tightens what terraform created to 0600/0700', async () => {
    const ws = workspaces.for('instance-1');
    await workspaces.create(ws);
    mkdirSync(join(ws.dir, '.terraform/providers'), { recursive: true, mode: 0o755 });
    for (const file of ['terraform.tfstate', 'terraform.tfstate.backup', '.terraform.lock.hcl', '.terraform/terraform.tfstate']) {
      writeFileSync(join(ws.dir, file), '{}', { mode: 0o644 });
    }
    await workspaces.tightenPermissions(ws);
    for (const file of ['terraform.tfstate', 'terraform.tfstate.backup', '.terraform.lock.hcl', '.terraform/terraform.tfstate']) {
      expect(statSync(join(ws.dir, file)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(join(ws.dir, '.terraform')).mode & 0o777).toBe(0o700);
    expect(statSync(join(ws.dir, '.terraform/providers')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(ws.dir, 'terraform.tfstate'), 'utf8')).toBe('{}');
  });

  it('removes a workspace, and removing a missing one is fine', async () => {
    const ws = workspaces.for('instance-1');
    await workspaces.writeConfig(ws, {});
    await workspaces.remove(ws);
    expect(await workspaces.exists(ws)).toBe(false);
    await workspaces.remove(ws);
    await workspaces.tightenPermissions(ws);
  });
});

describe('helpers', () => {
  it.each(['../x', '/etc/x', 'a/../../x'])('resolveInside refuses %j', (path) => {
    expect(() => resolveInside('/ws', path)).toThrow(RangeError);
  });

  it('resolveInside accepts nested relative paths', () => {
    expect(resolveInside('/ws', 'state/./terraform.tfstate')).toBe('/ws/state/terraform.tfstate');
  });

  it('managedInstanceCount counts managed instances only', () => {
    expect(managedInstanceCount({ resources: [{ mode: 'managed', instances: [{}, {}] }, { mode: 'data', instances: [{}] }] })).toBe(2);
    expect(managedInstanceCount({ version: 4 })).toBeUndefined();
  });
});
