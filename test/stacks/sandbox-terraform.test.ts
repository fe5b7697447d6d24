/**
 * Real terraform on the sandbox stack of one plan: init, validate, apply, output, a second plan
 * that finds nothing to change (the JWT is generated once), and destroy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildNodeTopology } from '../../modules/clients/topology';
import { sandboxHostOf } from '../../modules/sandbox/node';
import { synthesizeNodeStack } from '../../src/synth';
import { nodeProps } from './props';
import { terraformDir, type TerraformDir } from './terraform';

const props = nodeProps({ execution: 'nethermind', consensus: 'lodestar', role: 'validator', target: 'sandbox', network: 'hoodi' });

type Outputs = Record<string, { value: unknown; sensitive: boolean }>;

describe('GIVEN the sandbox stack of a nethermind + lodestar validator on hoodi', () => {
  let dir: TerraformDir;
  let outputs: Outputs;

  beforeAll(async () => {
    dir = terraformDir(synthesizeNodeStack('sandbox-node', props));
    await dir.terraform('init', '-input=false');
  });
  afterAll(() => dir?.remove());

  it('WHEN validated THEN terraform accepts it', async () => {
    expect(await dir.terraform('validate')).toContain('Success');
  });

  it('WHEN applied THEN the state is local at the relative path and the outputs are the endpoint URLs', async () => {
    await dir.terraform('apply', '-auto-approve', '-input=false');
    expect(existsSync(join(dir.path, 'terraform.tfstate'))).toBe(true);
    outputs = JSON.parse(await dir.terraform('output', '-json')) as Outputs;

    const topology = buildNodeTopology(props, sandboxHostOf(props.instanceName));
    const url = (endpoint: { component: string; port: number; scheme: string; path?: string }) =>
      `${endpoint.scheme}://${endpoint.component}.${props.instanceName}.sandbox.invalid:${endpoint.port}${endpoint.path ?? ''}`;
    expect(outputs.execution_http_url!.value).toBe(url(topology.endpoints.executionHttp));
    expect(outputs.execution_ws_url!.value).toBe(url(topology.endpoints.executionWs));
    expect(outputs.beacon_api_url!.value).toBe(url(topology.endpoints.beaconApi));
    expect(outputs.mev_boost_url!.value).toBe(url(topology.endpoints.mevBoost!));
    expect(outputs.metrics_urls!.value).toEqual(
      Object.fromEntries(Object.entries(topology.endpoints.metrics).map(([component, endpoint]) => [component, url(endpoint!)])),
    );
    expect(outputs.network!.value).toBe('hoodi');
    expect(outputs.execution_client!.value).toBe('nethermind');
    expect(outputs.consensus_client!.value).toBe('lodestar');
    expect(outputs.notice!.value).toBe('sandbox: no nodes run');
    expect(outputs.jwt_secret!.sensitive).toBe(true);
    expect(outputs.jwt_secret!.value).toMatch(/^[0-9a-f]{64}$/);
  });

  it('WHEN planned again THEN nothing changes and the JWT stays the same', async () => {
    expect(await dir.planExitCode()).toBe(0);
    await dir.terraform('apply', '-auto-approve', '-input=false');
    const again = JSON.parse(await dir.terraform('output', '-json')) as Outputs;
    expect(again.jwt_secret!.value).toBe(outputs.jwt_secret!.value);
  });

  it('WHEN destroyed THEN nothing is left in the state', async () => {
    await dir.terraform('destroy', '-auto-approve', '-input=false');
    expect(await dir.terraform('state', 'list')).toBe('');
  });
});
