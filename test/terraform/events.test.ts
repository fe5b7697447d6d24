import { describe, expect, it } from 'vitest';

import { parseEvent, type TerraformEvent } from '../../src/terraform/events';
import { fixtureEvents, fixtureLines } from './helpers';

const ofType = <T extends TerraformEvent['type']>(events: readonly TerraformEvent[], type: T) =>
  events.filter((event): event is TerraformEvent & { readonly type: T } => event.type === type);

describe('parseEvent on real terraform 1.11 streams', () => {
  it.each([
    'apply-create.jsonl',
    'apply-update-replace.jsonl',
    'plan-replace.jsonl',
    'destroy.jsonl',
    'apply-postcondition-failed.jsonl',
    'apply-provisioner-errored.jsonl',
    'apply-interrupted.jsonl',
    'apply-lock-held.jsonl',
    'destroy-half-provisioned.jsonl',
  ])('%s: every line is a known event type', (name) => {
    const events = fixtureEvents(name);
    expect(events.length).toBe(fixtureLines(name).length);
    expect(events.filter((event) => event.type === 'other')).toEqual([]);
    expect(events[0]).toMatchObject({ type: 'version', terraformVersion: '1.11.4', uiVersion: '1.2' });
  });

  it('reads planned changes, the plan summary and the apply hooks of a first apply', () => {
    const events = fixtureEvents('apply-create.jsonl');
    expect(ofType(events, 'planned_change').map((e) => [e.resource.address, e.action])).toEqual([
      ['terraform_data.execution_volume', 'create'],
      ['terraform_data.execution', 'create'],
      ['terraform_data.beacon', 'create'],
    ]);
    expect(ofType(events, 'planned_change')[0]?.resource).toEqual({
      address: 'terraform_data.execution_volume',
      module: '',
      type: 'terraform_data',
      name: 'execution_volume',
      key: null,
    });
    expect(ofType(events, 'change_summary').map((e) => [e.operation, e.changes])).toEqual([
      ['plan', { add: 3, change: 0, import: 0, remove: 0 }],
      ['apply', { add: 3, change: 0, import: 0, remove: 0 }],
    ]);
    expect(ofType(events, 'apply_start')).toHaveLength(3);
    expect(ofType(events, 'apply_complete').every((e) => e.action === 'create' && e.elapsedSeconds === 0)).toBe(true);
  });

  it('reads a replacement with its reason', () => {
    const replace = ofType(fixtureEvents('plan-replace.jsonl'), 'planned_change').find((e) => e.action === 'replace');
    expect(replace).toMatchObject({ resource: { address: 'terraform_data.beacon' }, reason: 'cannot_update' });
  });

  it('never keeps output values, not even non-sensitive ones', () => {
    const outputs = ofType(fixtureEvents('apply-create.jsonl'), 'outputs');
    const afterApply = outputs.at(-1);
    expect(afterApply?.outputs).toEqual({
      execution_rpc_url: { sensitive: false },
      jwt_secret: { sensitive: true },
      ports: { sensitive: false },
    });
    expect(JSON.stringify(outputs)).not.toContain('sandbox.local');
    expect(outputs[0]?.outputs['jwt_secret']).toEqual({ sensitive: true, action: 'create' });
  });

  it('reads progress, provisioner and errored hooks', () => {
    const events = fixtureEvents('apply-provisioner-errored.jsonl');
    expect(ofType(events, 'apply_progress')).toEqual([
      expect.objectContaining({ resource: expect.objectContaining({ address: 'terraform_data.execution' }), action: 'create', elapsedSeconds: 10 }),
    ]);
    expect(ofType(events, 'apply_errored')).toEqual([expect.objectContaining({ elapsedSeconds: 11 })]);
    expect(ofType(events, 'provision_errored')).toEqual([expect.objectContaining({ provisioner: 'local-exec' })]);
  });

  it('reads diagnostics with address and range', () => {
    const [diagnostic] = ofType(fixtureEvents('apply-provisioner-errored.jsonl'), 'diagnostic');
    expect(diagnostic?.diagnostic).toEqual({
      severity: 'error',
      summary: 'local-exec provisioner error',
      detail: "Error running command 'sleep 11; exit 3': exit status 3. Output: ",
      address: 'terraform_data.execution',
      range: { filename: 'cdk.tf.json', line: 6, column: 100 },
    });
  });

  it('reads state lock events', () => {
    expect(fixtureEvents('apply-lock-held.jsonl').map((e) => e.type)).toEqual(['version', 'state_lock_acquire', 'diagnostic']);
  });

  it('maps an unknown message type to other, keeping its name', () => {
    expect(parseEvent('{"@level":"info","@message":"m","@timestamp":"t","type":"test_summary"}')).toEqual({
      level: 'info',
      message: 'm',
      timestamp: 't',
      type: 'other',
      originalType: 'test_summary',
    });
  });

  it.each(['', 'Terraform crashed!', '{not json', '[1,2]', '{"type": 3}', '{"@message": "no type"}'])('ignores %j', (line) => {
    expect(parseEvent(line)).toBeUndefined();
  });
});
