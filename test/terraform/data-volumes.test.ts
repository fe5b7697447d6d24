import { describe, expect, it } from 'vitest';

import { defaultDataVolumePredicate } from '../../src/terraform/data-volumes';
import type { ChangeAction } from '../../src/terraform/events';

const resource = (type: string, name: string) => ({ address: `${type}.${name}`, module: '', type, name, key: null });

describe('defaultDataVolumePredicate', () => {
  it.each<[string, string, ChangeAction, boolean]>([
    ['aws_ebs_volume', 'data', 'replace', true],
    ['aws_ebs_volume', 'data', 'delete', true],
    ['aws_ebs_volume', 'data', 'update', false],
    ['kubernetes_persistent_volume_claim_v1', 'execution', 'delete', true],
    ['kubernetes_persistent_volume_claim', 'execution', 'replace', true],
    ['kubernetes_stateful_set_v1', 'execution', 'replace', true],
    ['kubernetes_stateful_set_v1', 'execution', 'delete', false],
    ['kubernetes_stateful_set_v1', 'execution', 'update', false],
    ['terraform_data', 'execution_volume', 'replace', true],
    ['terraform_data', 'execution', 'replace', false],
    ['aws_instance', 'node', 'replace', false],
    ['kubernetes_deployment_v1', 'mev_boost', 'delete', false],
  ])('%s.%s %s -> %s', (type, name, action, expected) => {
    expect(defaultDataVolumePredicate(resource(type, name), action)).toBe(expected);
  });
});
