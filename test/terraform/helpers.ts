/** Shared test helpers: fixtures, temp dirs, a logger that records, sandbox-like configurations. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

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
  /** The data volume's size; changing it loses the chain data (as a changed claim template would). @default 100 */
  readonly volumeSizeGi?: number;
  readonly backend?: Readonly<Record<string, unknown>>;
}

/**
 * A sandbox-like stack: three terraform_data resources standing in for execution client, beacon node
 * and the execution client's storage (a container record with a `data_volume`, shaped like the real
 * sandbox stack's, under a name that says nothing of volumes), and outputs like the real stacks' (one
 * sensitive).
 */
export function sandboxConfig(options: SandboxOptions = {}): Record<string, unknown> {
  const generation = options.generation ?? '1';
  return {
    terraform: { backend: options.backend ?? { local: { path: 'terraform.tfstate' } } },
    resource: {
      terraform_data: {
        execution: { input: `geth-${generation}` },
        beacon: { input: 'lighthouse', triggers_replace: ['${terraform_data.execution.output}'] },
        execution_storage: { input: { component: 'execution', data_volume: { name: 'data', mount_path: '/data', size_gi: options.volumeSizeGi ?? 100 } } },
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

/**
 * A provider package as `terraform providers mirror` writes it (packed layout):
 * `<mirror>/registry.terraform.io/<namespace>/<type>/terraform-provider-<type>_<version>_linux_amd64.zip`,
 * holding one executable. Terraform installs it without running it; tests that need a provider to run
 * cannot use it. The zip is written by hand (stored, one entry): no zip tool needed.
 */
export function writeProviderPackage(mirror: string, namespace: string, type: string, version: string): string {
  const dir = join(mirror, 'registry.terraform.io', namespace, type);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `terraform-provider-${type}_${version}_linux_amd64.zip`);
  writeFileSync(path, storedZip(`terraform-provider-${type}_v${version}`, Buffer.from('#!/bin/sh\nexit 1\n'), 0o755));
  return path;
}

function storedZip(name: string, data: Buffer, mode: number): Buffer {
  const fileName = Buffer.from(name, 'utf8');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x21, 12); // 1980-01-01
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by unix: the external attributes carry the mode
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x21, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(local.length + fileName.length + data.length, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}
