/** `ovsb provider install`: the mirror layout, the printed CLI configuration, the command line. */
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError, type CliContext } from '../../src/cli/command';
import { providerCommand } from '../../src/cli/provider-command';
import { cliConfigBlock, currentPlatform, installProvider, PROVIDER_SOURCE } from '../../src/provider/install';

const root = mkdtempSync(join(tmpdir(), 'ovsb-provider-install-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function context(env: Record<string, string> = {}): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env, cwd: root, stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, out, err };
}

describe('ovsb provider install', () => {
  it('lays out the unpacked mirror layout with an executable that runs the given entry with the given node', () => {
    const { executable, platform } = installProvider({ dir: join(root, 'm'), version: '1.2.3', entry: "/opt/it's/main.js", node: '/usr/bin/node', platform: 'linux_arm64' });
    expect(platform).toBe('linux_arm64');
    expect(executable).toBe(join(root, 'm', 'ovsb.local', 'ovsb', 'ovsb', '1.2.3', 'linux_arm64', 'terraform-provider-ovsb_v1.2.3'));
    accessSync(executable, constants.X_OK);
    const script = readFileSync(executable, 'utf8');
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain(`exec '/usr/bin/node' '/opt/it'\\''s/main.js' "$@"`);
  });

  it('the CLI configuration takes the provider from the mirror only', () => {
    const block = cliConfigBlock('/m');
    expect(block).toContain('filesystem_mirror {\n    path    = "/m"\n    include = ["ovsb.local/ovsb/ovsb"]');
    expect(block).toContain('direct {\n    exclude = ["ovsb.local/ovsb/ovsb"]');
  });

  it('defaults to ~/.terraform.d/plugins and the package version', async () => {
    const ctx = context({ HOME: join(root, 'home') });
    expect(await providerCommand.run(['install'], ctx)).toBe(0);
    const version = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
    const expected = join(root, 'home', '.terraform.d', 'plugins', PROVIDER_SOURCE, version, currentPlatform(), `terraform-provider-ovsb_v${version}`);
    accessSync(expected, constants.X_OK);
    expect(ctx.out.join('')).toContain(cliConfigBlock(join(root, 'home', '.terraform.d', 'plugins')));
    expect(ctx.err.join('')).toContain(expected);
  });

  it('DIR relative to the working directory, --version, --help; wrong command lines are usage errors', async () => {
    const ctx = context();
    expect(await providerCommand.run(['install', 'mirror', '--version', '0.9.0'], ctx)).toBe(0);
    accessSync(join(root, 'mirror', PROVIDER_SOURCE, '0.9.0', currentPlatform(), 'terraform-provider-ovsb_v0.9.0'), constants.X_OK);
    const help = context();
    expect(await providerCommand.run(['install', '--help'], help)).toBe(0);
    expect(help.out.join('')).toContain('ovsb provider install [DIR]');
    await expect(providerCommand.run(['uninstall'], context())).rejects.toThrow(UsageError);
    await expect(providerCommand.run([], context())).rejects.toThrow(UsageError);
    await expect(providerCommand.run(['install', 'x', '--version', 'latest'], context())).rejects.toThrow(/not a version/);
  });
});
