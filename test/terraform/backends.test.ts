import { describe, expect, it } from 'vitest';

import { backendEnv, backendPropsFor, checkBackendBlock, pgSchemaName, type StateBackend } from '../../src/terraform/backends';
import { Workspaces } from '../../src/terraform/workspace';

const ws = new Workspaces('/data').for('instance-1');
const hex = ws.id.slice('ws-'.length);
const pg: StateBackend = { kind: 'pg', connectionString: 'postgres://u:secret@db/state' };
const s3: StateBackend = { kind: 's3', bucket: 'tf-state', region: 'eu-west-1' };

describe('backendPropsFor', () => {
  it.each<[string, StateBackend, unknown]>([
    ['local', { kind: 'local' }, { kind: 'local', path: 'terraform.tfstate' }],
    ['pg', pg, { kind: 'pg', schemaName: `ovsb_${hex}` }],
    ['s3', s3, { kind: 's3', bucket: 'tf-state', key: `ovsb/${ws.id}/terraform.tfstate`, region: 'eu-west-1' }],
    ['s3 with prefix and table', { ...s3, keyPrefix: 'prod', dynamodbTable: 'locks' }, { kind: 's3', bucket: 'tf-state', key: `prod/${ws.id}/terraform.tfstate`, region: 'eu-west-1', dynamodbTable: 'locks' }],
  ])('%s', (_name, backend, props) => {
    expect(backendPropsFor(backend, ws)).toEqual(props);
  });

  it('derives a valid PostgreSQL identifier from the workspace id', () => {
    expect(pgSchemaName(ws)).toMatch(/^ovsb_[0-9a-f]{32}$/);
  });

  it('gives terraform the pg connection string through PG_CONN_STR only', () => {
    expect(backendEnv(pg)).toEqual({ PG_CONN_STR: 'postgres://u:secret@db/state' });
    expect(backendEnv({ kind: 'local' })).toEqual({});
    expect(backendEnv(s3)).toEqual({});
  });
});

describe('checkBackendBlock', () => {
  const config = (backend?: Record<string, unknown>) => (backend ? { terraform: { backend }, resource: {} } : { resource: {} });

  it('accepts the prescribed blocks and reports the local state path', () => {
    expect(checkBackendBlock(config({ local: { path: 'terraform.tfstate' } }), { kind: 'local' }, ws)).toEqual({ localStatePath: 'terraform.tfstate' });
    expect(checkBackendBlock(config({ local: {} }), { kind: 'local' }, ws)).toEqual({ localStatePath: 'terraform.tfstate' });
    expect(checkBackendBlock(config(), { kind: 'local' }, ws)).toEqual({ localStatePath: 'terraform.tfstate' });
    expect(checkBackendBlock(config({ pg: { schema_name: `ovsb_${hex}` } }), pg, ws)).toEqual({});
    expect(checkBackendBlock(config({ s3: { bucket: 'tf-state', key: `ovsb/${ws.id}/terraform.tfstate`, region: 'eu-west-1' } }), s3, ws)).toEqual({});
  });

  it.each<[string, Record<string, unknown> | undefined, StateBackend, RegExp]>([
    ['pg config on a local runner', { pg: { schema_name: 'x' } }, { kind: 'local' }, /uses the pg backend/],
    ['no backend on a pg runner', undefined, pg, /has no backend block/],
    ['another instance schema', { pg: { schema_name: 'ovsb_other' } }, pg, /names schema ovsb_other/],
    ['a conn_str in the configuration', { pg: { schema_name: `ovsb_${hex}`, conn_str: 'postgres://leak' } }, pg, /carries conn_str/],
    ['another state key', { s3: { bucket: 'tf-state', key: 'x', region: 'eu-west-1' } }, s3, /sets key = x/],
    ['two backends', { local: {}, pg: {} }, { kind: 'local' }, /exactly one backend/],
  ])('refuses %s', (_case, backend, runnerBackend, message) => {
    expect(() => checkBackendBlock(config(backend), runnerBackend, ws)).toThrow(message);
  });

  it('never echoes a conn_str value', () => {
    expect(() => checkBackendBlock(config({ pg: { schema_name: `ovsb_${hex}`, conn_str: 'postgres://leak' } }), pg, ws)).not.toThrow(/leak/);
  });
});
