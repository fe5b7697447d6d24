import { describe, expect, it } from 'vitest';

import { MachineOutputError, parseOutputs, parsePlan, parseShow, parseValidation } from '../../src/terraform/parse';
import { fixtureText } from './helpers';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('parseOutputs (terraform output -json)', () => {
  it('reads values, types and sensitivity', () => {
    const outputs = parseOutputs(fixtureText('output.json'));
    expect(outputs['execution_rpc_url']).toEqual({ value: 'http://geth-1.sandbox.local:8545', type: 'string', sensitive: false });
    expect(outputs['ports']).toEqual({ value: [8545, 5052], type: ['tuple', ['number', 'number']], sensitive: false });
    expect(outputs['jwt_secret']).toMatchObject({ sensitive: true, type: 'string' });
    expect(String(outputs['jwt_secret']?.value)).toMatch(/^jwt-[0-9a-f-]{36}$/);
  });

  it('reads an empty object as no outputs', () => {
    expect(parseOutputs('{}\n')).toEqual({});
  });

  it.each([
    ['not JSON', 'Error: no state'],
    ['an array', '[]'],
    ['an output without value', '{"a": {"sensitive": false}}'],
  ])('refuses %s without quoting the text', (_what, text) => {
    const error = thrown(() => parseOutputs(text));
    expect(error).toBeInstanceOf(MachineOutputError);
    expect(error.message).not.toContain('no state');
  });

  it('does not quote a secret from a truncated document', () => {
    const error = thrown(() => parseOutputs('{"jwt": {"sensitive": true, "value": "s3cr3t-jwt'));
    expect(error.message).not.toContain('s3cr3t');
  });
});

describe('parseShow (terraform show -json)', () => {
  it('lists resources and output names, never values', () => {
    const text = fixtureText('show-state.json');
    const summary = parseShow(text);
    expect(summary.terraformVersion).toBe('1.11.4');
    expect(summary.resources.map((r) => [r.address, r.mode, r.type, r.name])).toEqual([
      ['terraform_data.beacon', 'managed', 'terraform_data', 'beacon'],
      ['terraform_data.execution', 'managed', 'terraform_data', 'execution'],
      ['terraform_data.execution_volume', 'managed', 'terraform_data', 'execution_volume'],
    ]);
    expect(summary.outputs).toEqual({ execution_rpc_url: { sensitive: false }, jwt_secret: { sensitive: true }, ports: { sensitive: false } });
    const jwt = /jwt-[0-9a-f-]{36}/.exec(text)?.[0];
    expect(jwt).toBeDefined();
    expect(JSON.stringify(summary)).not.toContain(jwt);
  });

  it('reads child modules', () => {
    const summary = parseShow(
      JSON.stringify({
        format_version: '1.0',
        values: { root_module: { child_modules: [{ resources: [{ address: 'module.node.terraform_data.x', mode: 'managed', type: 'terraform_data', name: 'x' }] }] } },
      }),
    );
    expect(summary.resources.map((r) => r.address)).toEqual(['module.node.terraform_data.x']);
  });

  it('reads a state-less workspace as empty', () => {
    expect(parseShow('{"format_version":"1.0"}')).toEqual({ resources: [], outputs: {} });
  });
});

describe('parseValidation (terraform validate -json)', () => {
  it('reads a valid configuration', () => {
    expect(parseValidation(fixtureText('validate-valid.json'))).toEqual({ valid: true, errorCount: 0, warningCount: 0, diagnostics: [] });
  });

  it('reads an invalid one with its diagnostics', () => {
    const result = parseValidation(fixtureText('validate-invalid.json'));
    expect(result).toMatchObject({ valid: false, errorCount: 1 });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', summary: 'Reference to undeclared input variable', range: { filename: 'cdk.tf.json', line: 2, column: 64 } }),
    ]);
  });

  it('refuses a document without a verdict', () => {
    expect(() => parseValidation('{"diagnostics": []}')).toThrow(MachineOutputError);
  });
});

describe('parsePlan (terraform show -json of a saved plan)', () => {
  const changes = parsePlan(fixtureText('show-plan-replace.json'));
  const byAddress = (address: string) => changes.find((change) => change.resource.address === address);

  it('reads every resource change with its single action, before and after', () => {
    expect(changes.map((change) => [change.resource.address, change.action])).toEqual([
      ['terraform_data.beacon', 'replace'],
      ['terraform_data.execution', 'update'],
      ['terraform_data.execution_volume', 'noop'],
    ]);
    expect(byAddress('terraform_data.beacon')).toMatchObject({
      resource: { address: 'terraform_data.beacon', module: '', type: 'terraform_data', name: 'beacon', key: null },
      reason: 'replace_because_cannot_update',
      before: { input: 'lighthouse' },
      after: { input: 'lighthouse' },
    });
    // `output` is known only after apply: left out of `after`.
    expect(byAddress('terraform_data.execution')).toEqual(expect.objectContaining({ before: expect.objectContaining({ input: 'geth-1', output: 'geth-1' }), after: { id: expect.any(String), input: 'geth-2', triggers_replace: null } }));
  });

  it('reads a plan without changes as none', () => {
    expect(parsePlan('{"format_version": "1.2"}')).toEqual([]);
  });

  it.each([
    ['not JSON', 'jwt-s3cr3t'],
    ['resource_changes that are not a list', '{"resource_changes": {"jwt": "s3cr3t"}}'],
    ['a change without address', '{"resource_changes": [{"change": {"before": "s3cr3t"}}]}'],
  ])('refuses %s without quoting it', (_what, text) => {
    const error = thrown(() => parsePlan(text));
    expect(error).toBeInstanceOf(MachineOutputError);
    expect(error.message).not.toContain('s3cr3t');
  });
});
