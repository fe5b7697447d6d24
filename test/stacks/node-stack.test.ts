/** Stack-level rules: backends, role/class agreement, names, outputs, the app writer. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { RpcNodeStack, ValidatorNodeStack } from '../../stacks/node-stack';
import {
  mevBoostStackDefinition,
  nodeStackDefinition,
  synthesizeNodeStack,
  writeSynthesizedApp,
} from '../../src/synth';
import { ConfigError } from '../../src/errors';
import type { Json } from './fixtures';
import { mevBoostProps, nodeProps } from './props';

const sandboxRpc = nodeProps({ execution: 'geth', consensus: 'lighthouse', role: 'rpc', target: 'sandbox', network: 'hoodi' });

describe('backends', () => {
  it('defaults to local state at a relative path', () => {
    const json = synthesizeNodeStack('s', sandboxRpc) as Json;
    expect(json.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });

  it('keeps a given relative local path', () => {
    const json = synthesizeNodeStack('s', { ...sandboxRpc, backend: { kind: 'local', path: 'state/node.tfstate' } }) as Json;
    expect(json.terraform.backend.local.path).toBe('state/node.tfstate');
  });

  it('writes the pg backend with its schema and without a connection string (terraform reads PG_CONN_STR)', () => {
    const json = synthesizeNodeStack('s', { ...sandboxRpc, backend: { kind: 'pg', schemaName: 'ovsb_i_abc' } }) as Json;
    expect(json.terraform.backend).toEqual({ pg: { schema_name: 'ovsb_i_abc' } });
    expect(JSON.stringify(json)).not.toContain('conn_str');
  });

  it('writes the s3 backend encrypted, with S3-native locking unless a DynamoDB table is named', () => {
    const s3 = { kind: 's3', bucket: 'state', key: 'ovsb/i-abc.tfstate', region: 'eu-west-1' } as const;
    const native = synthesizeNodeStack('s', { ...sandboxRpc, backend: s3 }) as Json;
    expect(native.terraform.backend.s3).toEqual({
      bucket: 'state',
      key: 'ovsb/i-abc.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      use_lockfile: true,
    });
    const dynamo = synthesizeNodeStack('s', { ...sandboxRpc, backend: { ...s3, dynamodbTable: 'locks' } }) as Json;
    expect(dynamo.terraform.backend.s3.dynamodb_table).toBe('locks');
    expect(dynamo.terraform.backend.s3).not.toHaveProperty('use_lockfile');
  });
});

describe('stack classes', () => {
  it('refuse props of the other role, naming the class to use', () => {
    expect(() => new ValidatorNodeStack(new App({ skipValidation: true }), 's', sandboxRpc)).toThrowError(ConfigError);
    expect(() => new ValidatorNodeStack(new App({ skipValidation: true }), 's', sandboxRpc)).toThrowError(
      /ValidatorNodeStack deploys the "validator" role, got "rpc"/,
    );
    const validator = { ...sandboxRpc, role: 'validator' as const };
    expect(() => new RpcNodeStack(new App({ skipValidation: true }), 's', validator)).toThrowError(/RpcNodeStack/);
  });

  it.each(['', 'UPPER', 'has_underscore', '-leading', 'trailing-', 'x'.repeat(41)])('refuse instance name %j', (instanceName) => {
    expect(() => synthesizeNodeStack('s', { ...sandboxRpc, instanceName })).toThrowError(/instanceName/);
  });

  it.each(['../escape', 'a/b', '', '.hidden'])('refuse stack name %j', (name) => {
    expect(() => nodeStackDefinition(name, sandboxRpc)).toThrowError(ConfigError);
  });

  it('are pure: the same props give the same JSON', () => {
    expect(synthesizeNodeStack('s', sandboxRpc)).toEqual(synthesizeNodeStack('s', sandboxRpc));
  });
});

describe('writeSynthesizedApp', () => {
  it('writes cdktf\'s layout: <outdir>/stacks/<name>/cdk.tf.json and a manifest', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'ovsb-app-'));
    try {
      const written = writeSynthesizedApp(outdir, [
        nodeStackDefinition('node-a', sandboxRpc),
        mevBoostStackDefinition('mev-boost-a', mevBoostProps('sandbox', 'hoodi')),
      ]);
      expect(written).toEqual([join(outdir, 'stacks', 'node-a'), join(outdir, 'stacks', 'mev-boost-a')]);
      const node = JSON.parse(readFileSync(join(outdir, 'stacks', 'node-a', 'cdk.tf.json'), 'utf8')) as Json;
      expect(node).toEqual(JSON.parse(JSON.stringify(synthesizeNodeStack('node-a', sandboxRpc))));
      expect(existsSync(join(outdir, 'manifest.json'))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('refuses two stacks of one name', () => {
    expect(() =>
      writeSynthesizedApp(join(tmpdir(), 'never-written'), [nodeStackDefinition('a', sandboxRpc), nodeStackDefinition('a', sandboxRpc)]),
    ).toThrowError(/used by two stacks/);
  });
});
