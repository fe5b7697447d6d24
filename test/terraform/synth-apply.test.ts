/** A real synthesised sandbox stack (src/synth.ts), applied, updated and destroyed by the runner. */
import { afterAll, describe, expect, it } from 'vitest';

import type { NodeStackProps } from '../../stacks/props';
import { synthesizeNodeStack } from '../../src/synth';
import { TerraformRunner } from '../../src/terraform/runner';
import { recordingLog, tempDir } from './helpers';

const data = tempDir('synth-apply');
afterAll(() => data.remove());

describe('a synthesised sandbox node stack', () => {
  const log = recordingLog();
  const runner = new TerraformRunner({ terraformBin: process.env['OVSB_TERRAFORM_BIN'] ?? 'terraform', dataDir: data.path, log });
  const key = '0f8d2a55-sandbox-rpc';
  const props = (executionVersion: string): NodeStackProps => ({
    instanceName: 'sbx-rpc-1',
    target: 'sandbox',
    backend: runner.backendProps(key),
    network: 'hoodi',
    role: 'rpc',
    execution: { client: 'geth', version: executionVersion },
    consensus: { client: 'lighthouse', version: 'v7.0.1' },
  });

  it('provisions, updates and deprovisions for real', async () => {
    const { outputs } = await runner.apply(key, synthesizeNodeStack('sbx-rpc-1', props('v1.15.11')));
    expect(outputs['execution_http_url']).toMatchObject({ sensitive: false, value: expect.stringContaining('sbx-rpc-1') });
    expect(outputs['execution_version']?.value).toBe('v1.15.11');
    expect(outputs['jwt_secret']).toMatchObject({ sensitive: true, value: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const jwt = outputs['jwt_secret']?.value;

    const updated = await runner.apply(key, synthesizeNodeStack('sbx-rpc-1', props('v1.16.0')));
    expect(updated.outputs['execution_version']?.value).toBe('v1.16.0');
    expect(updated.outputs['jwt_secret']?.value).toBe(jwt);

    const { destroyed } = await runner.destroy(key);
    expect(destroyed).toBeGreaterThan(0);
    expect(JSON.stringify(log.entries)).not.toContain(String(jwt));
  });
});
