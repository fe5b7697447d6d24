/**
 * The Terraform state backend of a stack, always explicit (cdktf's default local path is absolute,
 * taken from the synthesising process's working directory).
 */
import { LocalBackend, PgBackend, S3Backend, type TerraformStack } from 'cdktf';
import type { BackendProps } from './props';

/** Relative to the directory terraform runs in: the runner gives each instance its own. */
export const DEFAULT_LOCAL_STATE_PATH = 'terraform.tfstate';

export function configureBackend(stack: TerraformStack, backend: BackendProps = { kind: 'local' }): void {
  switch (backend.kind) {
    case 'local':
      new LocalBackend(stack, { path: backend.path ?? DEFAULT_LOCAL_STATE_PATH });
      return;
    case 'pg':
      new PgBackend(stack, {
        // Terraform reads PG_CONN_STR from its environment; the connection string (a secret) must
        // never be written into the synthesised JSON. cdktf drops undefined attributes.
        connStr: undefined as unknown as string,
        schemaName: backend.schemaName,
      });
      return;
    case 's3': {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        encrypt: true,
        ...(backend.dynamodbTable ? { dynamodbTable: backend.dynamodbTable } : {}),
      });
      // S3-native locking (terraform >= 1.10); cdktf 0.21 has no typed field for it yet.
      if (!backend.dynamodbTable) s3.addOverride('use_lockfile', true);
      return;
    }
  }
}
