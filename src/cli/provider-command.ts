import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageRoot } from '../catalog/load';
import { cliConfigBlock, installProvider, PROVIDER_SOURCE } from '../provider/install';
import { parseArgs, single } from './args';
import { UsageError, type Command } from './command';

/** The compiled provider: what terraform runs, whether this command runs from dist/ or from sources. */
const entry = (root: string): string => join(root, 'dist', 'src', 'provider', 'main.js');

export const providerCommand: Command = {
  name: 'provider',
  summary: 'install terraform-provider-ovsb into a filesystem mirror for terraform init',
  usage: [
    'ovsb provider install [DIR] [--version X.Y.Z]',
    '  Lays out terraform-provider-ovsb as a filesystem mirror in DIR',
    `  (DIR/${PROVIDER_SOURCE}/VERSION/OS_ARCH/) and prints the CLI configuration that installs it from there.`,
    '  DIR defaults to ~/.terraform.d/plugins, a mirror terraform reads without any configuration.',
    '  --version  the provider version to install as (default: the package version)',
    '  In main.tf: required_providers { ovsb = { source = "' + PROVIDER_SOURCE + '" } }. Details: docs/terraform-provider.md',
  ].join('\n'),
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub === '--help' || sub === '-h' || sub === undefined) {
      if (sub === undefined) throw new UsageError('which provider command? (install)');
      context.stdout.write(`${this.usage}\n`);
      return 0;
    }
    if (sub !== 'install') throw new UsageError(`unknown provider command "${sub}"; use install`);
    if (rest.includes('--help') || rest.includes('-h')) {
      context.stdout.write(`${this.usage}\n`);
      return 0;
    }
    const positional = rest[0] !== undefined && !rest[0].startsWith('--') ? rest[0] : undefined;
    const parsed = parseArgs(positional === undefined ? rest : rest.slice(1), { options: ['version'] });
    const home = context.env['HOME'] ?? homedir();
    const dir = resolve(context.cwd, positional ?? join(home, '.terraform.d', 'plugins'));
    const root = packageRoot();
    const packageVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    const version = single(parsed, 'version') ?? packageVersion;
    if (!/^\d+\.\d+\.\d+$/.test(version)) throw new UsageError(`--version "${version}" is not a version like 1.2.3`);
    if (!existsSync(entry(root))) throw new UsageError(`${entry(root)} is missing: build first (npm run build)`);
    const installed = installProvider({ dir, version, entry: entry(root), node: process.execPath });
    context.stderr.write(`installed ${PROVIDER_SOURCE} ${version} (${installed.platform}): ${installed.executable}\n`);
    context.stdout.write(
      [
        positional === undefined
          ? `# terraform reads ${dir} by itself when the CLI configuration has no provider_installation block;`
          : `# terraform installs the provider from ${dir} with this CLI configuration`,
        '# to name the mirror explicitly, put this in ~/.terraformrc or a file named by TF_CLI_CONFIG_FILE:',
        cliConfigBlock(dir),
      ].join('\n'),
    );
    return 0;
  },
};
