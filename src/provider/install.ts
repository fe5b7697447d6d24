/**
 * Lays the provider out as a terraform filesystem mirror (unpacked layout), so `terraform init` installs
 * it offline like any provider: DIR/HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-ovsb_vVERSION.
 * The file there is a small shell script running this checkout's compiled provider with this node.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export { PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_SOURCE, PROVIDER_TYPE } from '../../modules/ovsb/provider-source';
import { PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_SOURCE, PROVIDER_TYPE } from '../../modules/ovsb/provider-source';

export interface InstallOptions {
  /** The mirror directory. */
  readonly dir: string;
  readonly version: string;
  /** The compiled provider entry (dist/src/provider/main.js). */
  readonly entry: string;
  /** The node binary to run it with. */
  readonly node: string;
  /** @default this machine's, e.g. linux_amd64 */
  readonly platform?: string;
}

export interface Installed {
  readonly executable: string;
  readonly platform: string;
}

const ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };

/** terraform's OS_ARCH for this machine. */
export const currentPlatform = (): string => `${process.platform}_${ARCH[process.arch] ?? process.arch}`;

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export function installProvider(options: InstallOptions): Installed {
  const platform = options.platform ?? currentPlatform();
  const folder = join(options.dir, PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_TYPE, options.version, platform);
  mkdirSync(folder, { recursive: true });
  const executable = join(folder, `terraform-provider-${PROVIDER_TYPE}_v${options.version}`);
  writeFileSync(
    executable,
    [
      '#!/bin/sh',
      `# terraform-provider-ovsb ${options.version}, written by \`ovsb provider install\`: runs the compiled provider of this checkout.`,
      `exec ${shellQuote(options.node)} ${shellQuote(options.entry)} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(executable, 0o755);
  return { executable, platform };
}

/** The CLI configuration (TF_CLI_CONFIG_FILE or ~/.terraformrc) that installs the provider from `dir`. */
export function cliConfigBlock(dir: string): string {
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(dir)}`,
    `    include = [${JSON.stringify(PROVIDER_SOURCE)}]`,
    '  }',
    '  direct {',
    `    exclude = [${JSON.stringify(PROVIDER_SOURCE)}]`,
    '  }',
    '}',
    '',
  ].join('\n');
}
