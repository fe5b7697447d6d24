/** Shared test helpers: fixtures, temp dirs, a logger that records, sandbox-like configurations. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BackendProps } from '../../stacks/props';
import { parseEvent, type TerraformEvent } from '../../src/terraform/events';
import type { TerraformLog } from '../../src/terraform/log';

export const FIXTURES = join(__dirname, 'fixtures');

export const fixtureText = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
export const fixtureLines = (name: string): string[] => fixtureText(name).split('\n').filter((line) => line !== '');

export function fixtureEvents(name: string): TerraformEvent[] {
  return fixtureLines(name).map((line) => {
    const event = parseEvent(line);
    if (event === undefined) throw new Error(`fixture ${name} has a line that is not an event: ${line}`);
    return event;
  });
}

export function fixtureConfig(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(join('configs', name))) as Record<string, unknown>;
}

export function tempDir(prefix: string): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `ovsb-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RecordedLog {
  readonly level: 'info' | 'warn';
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

export function recordingLog(): TerraformLog & { readonly entries: RecordedLog[] } {
  const entries: RecordedLog[] = [];
  return {
    entries,
    info: (fields, message) => entries.push({ level: 'info', fields, message }),
    warn: (fields, message) => entries.push({ level: 'warn', fields, message }),
  };
}

export interface SandboxOptions {
  /** Changes the execution client's input; the beacon is replaced when it changes. */
  readonly generation?: string;
  /** Changing it replaces the data volume (like a new storage class would). */
  readonly volumeClass?: string;
  readonly backend?: Readonly<Record<string, unknown>>;
}

/**
 * A sandbox-like stack: three terraform_data resources standing in for execution client, beacon node
 * and data volume, and outputs like the real stacks' (one sensitive).
 */
export function sandboxConfig(options: SandboxOptions = {}): Record<string, unknown> {
  const generation = options.generation ?? '1';
  return {
    terraform: { backend: options.backend ?? { local: { path: 'terraform.tfstate' } } },
    resource: {
      terraform_data: {
        execution: { input: `geth-${generation}` },
        beacon: { input: 'lighthouse', triggers_replace: ['${terraform_data.execution.output}'] },
        execution_volume: { input: 'execution-data', triggers_replace: [options.volumeClass ?? 'standard'] },
      },
    },
    output: {
      execution_rpc_url: { value: 'http://${terraform_data.execution.output}.sandbox.local:8545' },
      jwt_secret: { value: 'jwt-${terraform_data.beacon.id}', sensitive: true },
      ports: { value: [8545, 5052] },
    },
  };
}

/** The terraform JSON backend block for BackendProps (what synthesis emits). */
export function backendBlock(props: BackendProps): Record<string, unknown> {
  switch (props.kind) {
    case 'local':
      return { local: props.path !== undefined ? { path: props.path } : {} };
    case 'pg':
      return { pg: { schema_name: props.schemaName } };
    case 's3':
      return { s3: { bucket: props.bucket, key: props.key, region: props.region } };
  }
}

/** Polls `check` until it holds (bounded), for conditions another process brings about. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, attempts = 200): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}
