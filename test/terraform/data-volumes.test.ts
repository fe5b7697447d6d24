/**
 * The data-volume rules against what the real stacks synthesise (src/synth.ts): resource types,
 * cdktf-hashed names and the attributes the rules read. The actions are the ones terraform plans for
 * such changes (a claim template is immutable, so its StatefulSet is replaced; an EBS volume grows in
 * place); the sandbox stack's plans are checked with real terraform in synth-apply.test.ts.
 */
import { describe, expect, it } from 'vitest';

import type { NodeStackProps, Target } from '../../stacks/props';
import { synthesizeNodeStack, type TerraformJson } from '../../src/synth';
import { defaultDataVolumePredicate, type DataVolumeChange } from '../../src/terraform/data-volumes';
import type { ChangeAction } from '../../src/terraform/events';

const props = (target: Target, overrides: Partial<NodeStackProps> = {}): NodeStackProps => ({
  instanceName: 'dv-1',
  target,
  backend: { kind: 'local', path: 'terraform.tfstate' },
  network: 'hoodi',
  role: 'rpc',
  execution: { client: 'geth', version: 'v1.16.7' },
  consensus: { client: 'lighthouse', version: 'v8.0.0' },
  ...overrides,
});

const synth = (target: Target, overrides: Partial<NodeStackProps> = {}): TerraformJson => synthesizeNodeStack('dv-1', props(target, overrides));

type Block = Readonly<Record<string, unknown>>;
const resourcesOf = (config: TerraformJson, type: string): Readonly<Record<string, Block>> =>
  (config.resource?.[type] ?? {}) as Readonly<Record<string, Block>>;

/** The change of one synthesised resource between two configurations, as the plan would show it. */
function change(type: string, name: string, action: ChangeAction, before: TerraformJson, after: TerraformJson): DataVolumeChange {
  return {
    resource: { address: `${type}.${name}`, module: '', type, name, key: null },
    action,
    before: action === 'create' ? null : resourcesOf(before, type)[name],
    after: action === 'delete' ? null : resourcesOf(after, type)[name],
  };
}

const names = (config: TerraformJson, type: string): string[] => Object.keys(resourcesOf(config, type));

describe('kubernetes stacks', () => {
  const before = synth('kubernetes');
  const resized = synth('kubernetes', { executionStorageGi: 2000 });
  const execution = names(before, 'kubernetes_stateful_set_v1').find((name) => name.includes('execution')) as string;

  it('synthesise StatefulSets with a volume_claim_template, under hashed names', () => {
    expect(execution).toMatch(/^node_execution_[0-9A-F]{8}$/);
    const spec = resourcesOf(before, 'kubernetes_stateful_set_v1')[execution]?.['spec'] as Block;
    expect(spec['volume_claim_template']).toEqual([expect.objectContaining({ spec: expect.objectContaining({ resources: { requests: { storage: expect.stringMatching(/Gi$/) } } }) })]);
    expect(JSON.stringify(resized)).not.toBe(JSON.stringify(before));
  });

  it('count a replaced or deleted StatefulSet with a claim template, not an updated one', () => {
    expect(defaultDataVolumePredicate(change('kubernetes_stateful_set_v1', execution, 'replace', before, resized))).toBe(true);
    expect(defaultDataVolumePredicate(change('kubernetes_stateful_set_v1', execution, 'delete', before, resized))).toBe(true);
    const upgraded = synth('kubernetes', { execution: { client: 'geth', version: 'v1.17.0' } });
    expect(defaultDataVolumePredicate(change('kubernetes_stateful_set_v1', execution, 'update', before, upgraded))).toBe(false);
  });

  it('do not count the other resources of the stack', () => {
    for (const type of Object.keys(before.resource ?? {}).filter((t) => t !== 'kubernetes_stateful_set_v1')) {
      for (const name of names(before, type)) {
        expect(defaultDataVolumePredicate(change(type, name, 'replace', before, resized)), `${type}.${name}`).toBe(false);
      }
    }
  });

  it('count a StatefulSet replaced with unknown attributes (streamed plan events only), and a deleted claim', () => {
    expect(defaultDataVolumePredicate({ resource: { address: 'kubernetes_stateful_set_v1.x', module: '', type: 'kubernetes_stateful_set_v1', name: 'x', key: null }, action: 'replace' })).toBe(true);
    expect(defaultDataVolumePredicate({ resource: { address: 'kubernetes_persistent_volume_claim_v1.x', module: '', type: 'kubernetes_persistent_volume_claim_v1', name: 'x', key: null }, action: 'delete' })).toBe(true);
  });
});

describe('aws stacks', () => {
  const before = synth('aws');
  const resized = synth('aws', { executionStorageGi: 2000 });
  const [volume] = names(before, 'aws_ebs_volume');
  const [attachment] = names(before, 'aws_volume_attachment');

  it('synthesise one EBS volume and its attachment', () => {
    expect(volume).toMatch(/^node_data-volume_[0-9A-F]{8}$/);
    expect(attachment).toMatch(/^node_data-attachment_[0-9A-F]{8}$/);
    expect(resourcesOf(resized, 'aws_ebs_volume')[volume as string]?.['size']).not.toEqual(resourcesOf(before, 'aws_ebs_volume')[volume as string]?.['size']);
  });

  it('count the volume replaced or deleted, not grown in place', () => {
    expect(defaultDataVolumePredicate(change('aws_ebs_volume', volume as string, 'replace', before, resized))).toBe(true);
    expect(defaultDataVolumePredicate(change('aws_ebs_volume', volume as string, 'delete', before, resized))).toBe(true);
    expect(defaultDataVolumePredicate(change('aws_ebs_volume', volume as string, 'update', before, resized))).toBe(false);
  });

  it('count the attachment deleted, not replaced (the volume moves to a replaced instance)', () => {
    expect(defaultDataVolumePredicate(change('aws_volume_attachment', attachment as string, 'delete', before, resized))).toBe(true);
    expect(defaultDataVolumePredicate(change('aws_volume_attachment', attachment as string, 'replace', before, resized))).toBe(false);
    for (const name of names(before, 'aws_instance')) {
      expect(defaultDataVolumePredicate(change('aws_instance', name, 'replace', before, resized))).toBe(false);
    }
  });
});

describe('sandbox stacks', () => {
  const before = synth('sandbox');
  const records = names(before, 'terraform_data');
  const execution = records.find((name) => name.startsWith('node_execution_')) as string;
  const instance = records.find((name) => name.startsWith('node_instance_')) as string;

  it('record a container with its data_volume in a terraform_data whose name says nothing of volumes', () => {
    expect(execution).toMatch(/^node_execution_[0-9A-F]{8}$/);
    expect(records.some((name) => name.includes('volume'))).toBe(false);
    expect((resourcesOf(before, 'terraform_data')[execution]?.['input'] as Block)['data_volume']).toEqual({ name: 'data', mount_path: '/data', size_gi: expect.any(Number) });
  });

  it('count an update that resizes the data volume, a deleted or replaced record that has one', () => {
    const resized = synth('sandbox', { executionStorageGi: 2000 });
    expect(defaultDataVolumePredicate(change('terraform_data', execution, 'update', before, resized))).toBe(true);
    expect(defaultDataVolumePredicate(change('terraform_data', execution, 'delete', before, resized))).toBe(true);
    expect(defaultDataVolumePredicate(change('terraform_data', execution, 'replace', before, resized))).toBe(true);
  });

  it('do not count an update that keeps the volume, nor records without one', () => {
    const upgraded = synth('sandbox', { execution: { client: 'geth', version: 'v1.17.0' } });
    expect(defaultDataVolumePredicate(change('terraform_data', execution, 'update', before, upgraded))).toBe(false);
    expect(defaultDataVolumePredicate(change('terraform_data', instance, 'replace', before, upgraded))).toBe(false);
    expect(defaultDataVolumePredicate(change('terraform_data', execution, 'create', before, upgraded))).toBe(false);
  });

  it('count an update whose new volume is not known before apply (show -json leaves unknown values out of `after`)', () => {
    const kept = change('terraform_data', execution, 'update', before, before);
    const input = (kept.after as Block)['input'] as Block;
    const { size_gi: _unknownSize, ...volume } = input['data_volume'] as Block;
    const sizeUnknown = { ...kept, after: { ...(kept.after as Block), input: { ...input, data_volume: volume } } };
    const { input: _unknownInput, ...rest } = kept.after as Block;
    const inputUnknown = { ...kept, after: rest };
    expect(defaultDataVolumePredicate(kept)).toBe(false);
    expect(defaultDataVolumePredicate(sizeUnknown)).toBe(true);
    expect(defaultDataVolumePredicate(inputUnknown)).toBe(true);
  });
});
