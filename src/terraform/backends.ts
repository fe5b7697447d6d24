/**
 * Where each instance's terraform state lives, per backend:
 * - local: `terraform.tfstate` in the instance's workspace directory (default; one broker host).
 * - pg: terraform's built-in PostgreSQL backend, one schema per instance (`ovsb_<32 hex>`, from the
 *   workspace id); the connection string reaches terraform as `PG_CONN_STR`, never in the configuration.
 *   After a successful destroy the runner drops the schema, so a deprovisioned instance leaves nothing.
 * - s3: one object per instance (`<keyPrefix>/<workspace id>/terraform.tfstate`), credentials from the
 *   AWS_* environment. Terraform cannot delete the default workspace's object, so after destroy an
 *   empty state object remains (a bucket lifecycle rule can expire it).
 * The synthesised configuration carries the backend block (from {@link backendPropsFor}); the runner
 * checks it matches before every run, so state never lands somewhere unexpected.
 */
import { isObject } from '../json';
import { Client } from 'pg';

import type { BackendProps } from '../../stacks/props';
import { DEFAULT_LOCAL_STATE, managedInstanceCount, type Workspace } from './workspace';

export type StateBackend =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'pg';
      /** `postgres://user:password@host:5432/db?sslmode=...`: a secret, passed to terraform as PG_CONN_STR. */
      readonly connectionString: string;
    }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly region: string;
      /** @default `ovsb` */
      readonly keyPrefix?: string;
      /** @default none (S3 native locking) */
      readonly dynamodbTable?: string;
    };

/** What a backend knows about an instance's state without running terraform. */
export type RemoteStateStatus = 'empty' | 'resources' | 'unknown';

export function pgSchemaName(ws: Workspace): string {
  return `ovsb_${ws.id.replace(/^ws-/, '')}`;
}

export function backendPropsFor(backend: StateBackend, ws: Workspace): BackendProps {
  switch (backend.kind) {
    case 'local':
      return { kind: 'local', path: DEFAULT_LOCAL_STATE };
    case 'pg':
      return { kind: 'pg', schemaName: pgSchemaName(ws) };
    case 's3':
      return {
        kind: 's3',
        bucket: backend.bucket,
        key: `${backend.keyPrefix ?? 'ovsb'}/${ws.id}/terraform.tfstate`,
        region: backend.region,
        ...(backend.dynamodbTable !== undefined ? { dynamodbTable: backend.dynamodbTable } : {}),
      };
  }
}

/** Environment terraform needs for the backend (secrets included; commands redact them when printed). */
export function backendEnv(backend: StateBackend): Record<string, string> {
  return backend.kind === 'pg' ? { PG_CONN_STR: backend.connectionString } : {};
}


/** The `terraform.backend` block of a synthesised configuration, if any: `{ kind, settings }`. */
function backendBlock(config: object): { kind: string; settings: Readonly<Record<string, unknown>> } | undefined {
  const terraform = (config as Record<string, unknown>)['terraform'];
  if (!isObject(terraform) || !isObject(terraform['backend'])) return undefined;
  const entries = Object.entries(terraform['backend']);
  const [first] = entries;
  if (entries.length !== 1 || first === undefined) {
    throw new Error(`the configuration's terraform.backend block must name exactly one backend, found ${entries.length}`);
  }
  return { kind: first[0], settings: isObject(first[1]) ? first[1] : {} };
}

/**
 * Throws unless the configuration's backend block is the one {@link backendPropsFor} prescribes for this
 * workspace (a mismatch is a bug in the caller: the state would go elsewhere). Returns the local state
 * path for the local backend.
 */
export function checkBackendBlock(config: object, backend: StateBackend, ws: Workspace): { readonly localStatePath?: string } {
  const block = backendBlock(config);
  const expected = backendPropsFor(backend, ws);
  const mismatch = (what: string) =>
    new Error(`the configuration for workspace ${ws.id} ${what}; synthesise it with TerraformRunner.backendProps() (${expected.kind} backend)`);
  switch (expected.kind) {
    case 'local': {
      if (block === undefined) return { localStatePath: DEFAULT_LOCAL_STATE };
      if (block.kind !== 'local') throw mismatch(`uses the ${block.kind} backend`);
      const path = block.settings['path'];
      return { localStatePath: typeof path === 'string' ? path : DEFAULT_LOCAL_STATE };
    }
    case 'pg':
      if (block?.kind !== 'pg') throw mismatch(block ? `uses the ${block.kind} backend` : 'has no backend block');
      if (block.settings['schema_name'] !== expected.schemaName) throw mismatch(`names schema ${String(block.settings['schema_name'])}, not ${expected.schemaName}`);
      if (block.settings['conn_str'] !== undefined) throw mismatch('carries conn_str (a secret: it must come from PG_CONN_STR)');
      return {};
    case 's3':
      if (block?.kind !== 's3') throw mismatch(block ? `uses the ${block.kind} backend` : 'has no backend block');
      for (const [field, value] of [
        ['bucket', expected.bucket],
        ['key', expected.key],
        ['region', expected.region],
      ] as const) {
        if (block.settings[field] !== value) throw mismatch(`sets ${field} = ${String(block.settings[field])}, not ${value}`);
      }
      return {};
  }
}

const SCHEMA = /^ovsb_[0-9a-f]{32}$/;

async function withPg<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** PostgreSQL error codes for a missing schema or table: the state was never written. */
const NO_STATE_CODES = new Set(['3F000', '42P01']);

/**
 * Reads the instance's state where that is possible without terraform (pg), so that deprovisioning an
 * instance whose terraform init never succeeded (say, a provider could not be installed) does not need
 * terraform init to succeed either.
 */
export async function remoteStateStatus(backend: StateBackend, ws: Workspace): Promise<RemoteStateStatus> {
  if (backend.kind !== 'pg') return 'unknown';
  const schema = pgSchemaName(ws);
  if (!SCHEMA.test(schema)) throw new Error(`refusing to query unexpected schema name ${schema}`);
  return withPg(backend.connectionString, async (client) => {
    let rows: { data: string }[];
    try {
      ({ rows } = await client.query<{ data: string }>(`SELECT data FROM "${schema}".states WHERE name = 'default'`));
    } catch (error) {
      if (NO_STATE_CODES.has((error as { code?: string }).code ?? '')) return 'empty';
      throw error;
    }
    const [row] = rows;
    if (row === undefined) return 'empty';
    let count: number | undefined;
    try {
      count = managedInstanceCount(JSON.parse(row.data));
    } catch {
      count = undefined;
    }
    if (count === undefined) return 'unknown';
    return count === 0 ? 'empty' : 'resources';
  });
}

/** Removes what a destroyed instance leaves in the backend (pg: its schema). */
export async function dropRemoteState(backend: StateBackend, ws: Workspace): Promise<void> {
  if (backend.kind !== 'pg') return;
  const schema = pgSchemaName(ws);
  if (!SCHEMA.test(schema)) throw new Error(`refusing to drop unexpected schema name ${schema}`);
  await withPg(backend.connectionString, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
