/**
 * The runner's own terraform CLI configuration (never the machine's `TF_CLI_CONFIG_FILE` or
 * `~/.terraformrc`, whose contents nobody here controls; the runner also points HOME at its own
 * directory, so `~/.terraform.d` plugins and credentials are not read either).
 *
 * - `plugin_cache_dir`: providers are downloaded once per data dir, not once per instance.
 * - `plugin_cache_may_break_dependency_lock_file = true`: since Terraform 1.4 a cached provider is not
 *   used for a workspace whose lock file lacks its checksum, and every new instance's workspace starts
 *   without a lock file, so each would download again. The cache is the runner's own (0700) and was filled
 *   by terraform from a verified download or the mirror; what the setting costs is that a new lock file
 *   records only this platform's `h1:` hash, and a workspace only ever runs on its own host. (Seeding
 *   workspaces from a shared lock file instead would pin one provider set for stacks needing different
 *   ones, and merging terraform's per-workspace rewrites back is fragile.)
 * - `disable_checkpoint`: no calls home.
 * - `provider_installation` is always written, so terraform's implicit local mirror directories
 *   (`~/.terraform.d/plugins`, `/usr/share/terraform/plugins`, ...) are never consulted:
 *   - with `OVSB_PROVIDER_MIRROR`, that directory is a filesystem mirror, and providers found there are
 *     excluded from direct (registry) installation, so an air-gapped host never waits on an unreachable
 *     registry for them;
 *   - `direct {}` lets the other providers come from their registries, unless the operator asked for
 *     mirror-only installation (`OVSB_PROVIDER_MIRROR_ONLY=true`).
 *
 * How an operator fills the mirror: on a machine that can reach the registry, in a directory holding
 * the synthesised configuration (`cdktf synth` output, or any instance workspace's `cdk.tf.json`), run
 *     terraform providers mirror -platform=linux_amd64 /path/to/mirror
 * copy the directory to the broker host and set `OVSB_PROVIDER_MIRROR=/path/to/mirror`. Repeat after
 * an upgrade that changes provider versions. The layout is `<host>/<namespace>/<type>/...`.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ConfigError } from '../errors';

export interface CliConfigOptions {
  readonly pluginCacheDir: string;
  /** Filesystem mirror directory (`OVSB_PROVIDER_MIRROR`). @default none: providers come from their registries */
  readonly providerMirror?: string;
  /** Install providers from the mirror only, never from a registry (`OVSB_PROVIDER_MIRROR_ONLY`). Needs `providerMirror`. @default false */
  readonly mirrorOnly?: boolean;
}

/** Characters that would end or interpolate an HCL string; paths holding them are refused. */
const UNSAFE_HCL_PATH = /["\\$%\n\r]/;

function hclPath(path: string, source: string): string {
  if (UNSAFE_HCL_PATH.test(path)) {
    throw new ConfigError(source, '', `path ${JSON.stringify(path)} contains a quote, backslash, $, % or newline; use a plain directory path`);
  }
  return `"${path}"`;
}

/** Mirror-only installation needs a mirror; shared by the settings parser and the renderer. */
export function checkMirrorOnly(options: Pick<CliConfigOptions, 'providerMirror' | 'mirrorOnly'>): void {
  if (options.mirrorOnly === true && options.providerMirror === undefined) {
    throw new ConfigError('OVSB_PROVIDER_MIRROR_ONLY', '', 'needs OVSB_PROVIDER_MIRROR, the directory to install providers from; set it or unset OVSB_PROVIDER_MIRROR_ONLY');
  }
}

/** Renders the CLI config. `mirroredProviders` are `host/namespace/type` addresses present in the mirror. */
export function renderCliConfig(options: CliConfigOptions, mirroredProviders: readonly string[] = []): string {
  checkMirrorOnly(options);
  const lines = [
    '# Written by the OVSB terraform runner; rewritten before every terraform init. Do not edit.',
    `plugin_cache_dir   = ${hclPath(options.pluginCacheDir, 'plugin cache directory')}`,
    '# New workspaces have no lock file yet: use the cached provider instead of downloading it again.',
    'plugin_cache_may_break_dependency_lock_file = true',
    'disable_checkpoint = true',
    '',
    'provider_installation {',
  ];
  if (options.providerMirror !== undefined) {
    lines.push('  filesystem_mirror {', `    path = ${hclPath(options.providerMirror, 'OVSB_PROVIDER_MIRROR')}`, '  }');
  }
  if (options.mirrorOnly !== true) {
    if (mirroredProviders.length === 0) lines.push('  direct {}');
    else lines.push('  direct {', `    exclude = [${mirroredProviders.map((provider) => JSON.stringify(provider)).join(', ')}]`, '  }');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory() && SEGMENT.test(entry.name)).map((entry) => entry.name).sort();
}

/** `host/namespace/type` of every provider directory in a filesystem mirror. */
export async function listMirroredProviders(mirror: string): Promise<string[]> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(mirror)).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) {
    throw new ConfigError(
      'OVSB_PROVIDER_MIRROR',
      '',
      `${mirror} is not a directory; create it and fill it with \`terraform providers mirror ${mirror}\` on a machine with registry access, or unset OVSB_PROVIDER_MIRROR`,
    );
  }
  const providers: string[] = [];
  for (const host of await subdirectories(mirror)) {
    for (const namespace of await subdirectories(join(mirror, host))) {
      for (const type of await subdirectories(join(mirror, host, namespace))) providers.push(`${host}/${namespace}/${type}`);
    }
  }
  return providers;
}

/** Writes the CLI config atomically (temp file + rename), mode 0600. */
export async function writeCliConfig(path: string, options: CliConfigOptions): Promise<void> {
  const mirrored = options.providerMirror !== undefined ? await listMirroredProviders(options.providerMirror) : [];
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, renderCliConfig(options, mirrored), { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
