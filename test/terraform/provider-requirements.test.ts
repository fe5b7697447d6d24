import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { providerRequirements } from '../../src/terraform/provider-requirements';

const dir = mkdtempSync(join(tmpdir(), 'ovsb-providers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stack(name: string, required: object | undefined): void {
  mkdirSync(join(dir, 'stacks', name), { recursive: true });
  writeFileSync(join(dir, 'stacks', name, 'cdk.tf.json'), JSON.stringify({ terraform: required === undefined ? {} : { required_providers: required } }));
}

describe('providerRequirements (the image mirror)', () => {
  it('gathers every stack\'s providers once; refuses two versions of one provider', () => {
    stack('k8s', { kubernetes: { source: 'kubernetes', version: '2.38.0' } });
    stack('aws', { aws: { source: 'aws', version: '6.25.0' }, kubernetes: { source: 'kubernetes', version: '2.38.0' } });
    stack('sandbox', undefined);
    expect(providerRequirements(dir)).toEqual({ kubernetes: { source: 'kubernetes', version: '2.38.0' }, aws: { source: 'aws', version: '6.25.0' } });
    stack('odd', { aws: { source: 'aws', version: '5.0.0' } });
    expect(() => providerRequirements(dir)).toThrow(/provider aws/);
  });
});
