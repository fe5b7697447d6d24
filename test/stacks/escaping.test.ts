/**
 * Real terraform: strings from client definitions reach the deployed spec unchanged, whatever
 * Terraform template syntax they contain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxNode, sandboxHostOf } from '../../modules/sandbox/node';
import { configureBackend } from '../../stacks/backend';
import { fixtureTopology, testStack, type Json } from './fixtures';
import { terraformDir, type TerraformDir } from './terraform';

describe('GIVEN a sandbox topology whose flags contain ${ and quotes, WHEN terraform applies it', () => {
  let dir: TerraformDir;
  beforeAll(async () => {
    const stack = testStack();
    configureBackend(stack);
    new SandboxNode(stack, 'node', { instanceName: 'demo', topology: fixtureTopology(sandboxHostOf('demo')) });
    dir = terraformDir(stack.toTerraform());
    await dir.terraform('init', '-input=false');
    await dir.terraform('apply', '-auto-approve', '-input=false');
  });
  afterAll(() => dir?.remove());

  it('THEN the recorded args are the literal strings', () => {
    const state = JSON.parse(readFileSync(join(dir.path, 'terraform.tfstate'), 'utf8')) as Json;
    const execution = state.resources.find((resource: Json) => resource.instances[0].attributes.input?.value?.component === 'execution');
    expect(execution.instances[0].attributes.input.value.args).toEqual(
      expect.arrayContaining(['--identity=node-${literal}', "--graffiti=it's"]),
    );
  });
});
