/**
 * Synthesis of stacks into Terraform JSON.
 *
 * In process (`synthesizeNodeStack`, `synthesizeMevBoostStack`): pure, returns the cdk.tf.json
 * object; the terraform runner writes it. `skipValidation` spares a `terraform version` spawn per
 * stack. `writeSynthesizedApp` is the one writing function: cdktf's own `app.synth()` layout,
 * `<outdir>/stacks/<name>/cdk.tf.json` plus `manifest.json`, for `ovsb synth` and `cdktf synth`.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type TerraformStack } from 'cdktf';
import { MevBoostStack } from '../stacks/mev-boost-stack';
import { RpcNodeStack, ValidatorNodeStack } from '../stacks/node-stack';
import type { MevBoostStackProps, NodeStackProps } from '../stacks/props';
import { ConfigError } from './errors';

/** A Terraform JSON configuration (the content of cdk.tf.json). */
export interface TerraformJson {
  readonly terraform?: Readonly<Record<string, unknown>>;
  readonly provider?: Readonly<Record<string, unknown>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly resource?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly output?: Readonly<
    Record<string, { readonly value: unknown; readonly sensitive?: boolean; readonly description?: string }>
  >;
  readonly [key: string]: unknown;
}

/** One stack of an app: its name (the directory under `stacks/`) and how to build it in an app. */
export interface StackDefinition {
  readonly name: string;
  build(app: App): TerraformStack;
}

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Stack names become directory names: refuse anything that could leave the output directory. */
export function validateStackName(name: string): void {
  if (!STACK_NAME.test(name)) {
    throw new ConfigError(
      'stack name',
      '',
      `"${name}" is not a valid stack name; use letters, digits, "-" and "_" (at most 128, starting alphanumeric)`,
    );
  }
}

/** The node stack class for the props' role. */
export function nodeStackDefinition(name: string, props: NodeStackProps): StackDefinition {
  validateStackName(name);
  return {
    name,
    build: (app) =>
      props.role === 'validator' ? new ValidatorNodeStack(app, name, props) : new RpcNodeStack(app, name, props),
  };
}

export function mevBoostStackDefinition(name: string, props: MevBoostStackProps): StackDefinition {
  validateStackName(name);
  return { name, build: (app) => new MevBoostStack(app, name, props) };
}

/**
 * cdktf's App constructor creates `<outdir>/stacks` even when nothing is synthesised to disk. In memory
 * its outdir is a scratch directory under the OS temp dir, created once per process, so synthesis never
 * writes into the working directory (read-only in the broker's container, the user's checkout for the CLI).
 */
let scratchOutdir: string | undefined;
function inMemoryOutdir(): string {
  if (scratchOutdir === undefined) {
    const dir = join(tmpdir(), `ovsb-cdktf-${process.getuid?.() ?? 'user'}`);
    mkdirSync(join(dir, 'stacks'), { recursive: true, mode: 0o700 });
    scratchOutdir = dir;
  }
  return scratchOutdir;
}

/**
 * cdktf records a full stack trace on every token it creates (a plain object's `stack`, kept for its own
 * debugging) and formatting them is a third of a synth; nothing in the Terraform JSON uses them. While
 * stacks are built those traces format as empty; real Errors keep theirs.
 */
function withoutTokenStackTraces<T>(build: () => T): T {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    if (!(error instanceof Error)) return '';
    return previous !== undefined ? previous(error, frames) : `${String(error)}${frames.map((frame) => `\n    at ${String(frame)}`).join('')}`;
  };
  try {
    return build();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/** One stack synthesised in memory, no files written (tests, the bench, the broker). */
export function synthesizeInMemory(definition: StackDefinition): TerraformJson {
  return withoutTokenStackTraces(() => {
    const app = new App({ skipValidation: true, outdir: inMemoryOutdir() });
    return definition.build(app).toTerraform() as TerraformJson;
  });
}

export function synthesizeNodeStack(stackName: string, props: NodeStackProps): TerraformJson {
  return synthesizeInMemory(nodeStackDefinition(stackName, props));
}

export function synthesizeMevBoostStack(stackName: string, props: MevBoostStackProps): TerraformJson {
  return synthesizeInMemory(mevBoostStackDefinition(stackName, props));
}

/**
 * Writes every stack with cdktf's own synthesis: `<outdir>/stacks/<name>/cdk.tf.json` and
 * `<outdir>/manifest.json`. Returns the stack directories written.
 *
 * @param outdir where to write; undefined lets cdktf decide (CDKTF_OUTDIR, as set by `cdktf synth`)
 */
export function writeSynthesizedApp(outdir: string | undefined, stacks: readonly StackDefinition[]): string[] {
  const seen = new Set<string>();
  for (const { name } of stacks) {
    validateStackName(name);
    if (seen.has(name)) {
      throw new ConfigError('stack name', '', `"${name}" is used by two stacks; stack names must be unique`);
    }
    seen.add(name);
  }
  const app = new App({ skipValidation: true, ...(outdir === undefined ? {} : { outdir }) });
  withoutTokenStackTraces(() => {
    for (const definition of stacks) definition.build(app);
    app.synth();
  });
  return stacks.map(({ name }) => `${app.outdir}/stacks/${name}`);
}
