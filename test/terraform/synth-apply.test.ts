/**
 * A real synthesised sandbox stack (src/synth.ts), applied, updated and destroyed by the runner; the
 * data-volume guard judged on real plans of it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

import type { NodeStackProps } from '../../stacks/props';
import { synthesizeNodeStack } from '../../src/synth';
import { TerraformRunner } from '../../src/terraform/runner';
import { Workspaces } from '../../src/terraform/workspace';
import { recordingLog, tempDir } from './helpers';

const data = tempDir('synth-apply');
afterAll(() => data.remove());

describe('a synthesised sandbox node stack', () => {
  const log = recordingLog();
  const runner = new TerraformRunner({ terraformBin: process.env['OVSB_TERRAFORM_BIN'] ?? 'terraform', dataDir: data.path, log });
  const key = '0f8d2a55-sandbox-rpc';
  const ws = new Workspaces(data.path).for(key);
  const stack = (executionVersion: string, executionStorageGi?: number) =>
    synthesizeNodeStack('sbx-rpc-1', {
      instanceName: 'sbx-rpc-1',
      target: 'sandbox',
      backend: runner.backendProps(key),
      network: 'hoodi',
      role: 'rpc',
      execution: { client: 'geth', version: executionVersion },
      consensus: { client: 'lighthouse', version: 'v8.0.0' },
      ...(executionStorageGi !== undefined ? { executionStorageGi } : {}),
    } satisfies NodeStackProps);
  let jwt: unknown;

  it('provisions, and updates a client version without touching the data volume', async () => {
    const { outputs } = await runner.apply(key, stack('v1.16.7'));
    expect(outputs['execution_http_url']).toMatchObject({ sensitive: false, value: expect.stringContaining('sbx-rpc-1') });
    expect(outputs['execution_version']?.value).toBe('v1.16.7');
    expect(outputs['jwt_secret']).toMatchObject({ sensitive: true, value: expect.stringMatching(/^[0-9a-f]{64}$/) });
    jwt = outputs['jwt_secret']?.value;

    const updated = await runner.update(key, stack('v1.17.0'));
    expect(updated).toMatchObject({ kind: 'applied', summary: { add: 0, change: 1, remove: 0 }, dataVolumeChanges: [] });
    expect(updated.kind === 'applied' && updated.outputs['execution_version']?.value).toBe('v1.17.0');
    expect(updated.kind === 'applied' && updated.outputs['jwt_secret']?.value).toBe(jwt);
  });

  it('refuses a storage size change without opt-in: nothing applied, the applied configuration kept', async () => {
    const applied = readFileSync(ws.configFile, 'utf8');
    const state = readFileSync(`${ws.dir}/terraform.tfstate`, 'utf8');
    const refused = await runner.update(key, stack('v1.17.0', 2000));
    expect(refused).toEqual({
      kind: 'refused',
      changes: [{ resource: expect.objectContaining({ type: 'terraform_data', address: expect.stringMatching(/^terraform_data\.node_execution_[0-9A-F]{8}$/) }), action: 'update' }],
    });
    expect(readFileSync(ws.configFile, 'utf8')).toBe(applied);
    expect(readFileSync(`${ws.dir}/terraform.tfstate`, 'utf8')).toBe(state);
  });

  it('applies the storage size change with opt-in, then deprovisions', async () => {
    const allowed = await runner.update(key, stack('v1.17.0', 2000), { allowDataVolumeReplacement: true });
    expect(allowed).toMatchObject({ kind: 'applied', summary: { change: 1 }, dataVolumeChanges: [expect.objectContaining({ action: 'update' })] });
    expect(JSON.parse(readFileSync(ws.configFile, 'utf8'))).toEqual(stack('v1.17.0', 2000));

    const { destroyed } = await runner.destroy(key);
    expect(destroyed).toBeGreaterThan(0);
    expect(JSON.stringify(log.entries)).not.toContain(String(jwt));
  });
});
