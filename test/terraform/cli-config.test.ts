import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/errors';
import { listMirroredProviders, renderCliConfig, writeCliConfig, type CliConfigOptions } from '../../src/terraform/cli-config';
import type { CommandContext } from '../../src/terraform/commands';
import { TerraformError } from '../../src/terraform/errors';
import { TerraformInvoker } from '../../src/terraform/invoker';
import { recordingLog, tempDir, writeProviderPackage } from './helpers';

describe('renderCliConfig', () => {
  it('sets the plugin cache (usable without lock file checksums), disables checkpoint, and installs providers directly by default', () => {
    expect(renderCliConfig({ pluginCacheDir: '/data/terraform/plugin-cache' })).toBe(
      '# Written by the OVSB terraform runner; rewritten before every terraform init. Do not edit.\n' +
        'plugin_cache_dir   = "/data/terraform/plugin-cache"\n' +
        '# New workspaces have no lock file yet: use the cached provider instead of downloading it again.\n' +
        'plugin_cache_may_break_dependency_lock_file = true\n' +
        'disable_checkpoint = true\n' +
        '\n' +
        'provider_installation {\n' +
        '  direct {}\n' +
        '}\n',
    );
  });

  it('installs from the mirror only when the operator asks for it', () => {
    const rendered = renderCliConfig({ pluginCacheDir: '/c', providerMirror: '/srv/mirror', mirrorOnly: true }, ['registry.terraform.io/hashicorp/aws']);
    expect(rendered).toContain(['provider_installation {', '  filesystem_mirror {', '    path = "/srv/mirror"', '  }', '}'].join('\n'));
    expect(rendered).not.toContain('direct');
  });

  it('refuses mirror-only installation without a mirror, naming both settings', () => {
    expect(() => renderCliConfig({ pluginCacheDir: '/c', mirrorOnly: true })).toThrow(/OVSB_PROVIDER_MIRROR_ONLY: needs OVSB_PROVIDER_MIRROR/);
  });

  it('makes the mirror a filesystem mirror and keeps its providers away from the registry', () => {
    const rendered = renderCliConfig({ pluginCacheDir: '/c', providerMirror: '/srv/mirror' }, ['registry.terraform.io/hashicorp/aws', 'registry.terraform.io/hashicorp/kubernetes']);
    expect(rendered).toContain(
      [
        'provider_installation {',
        '  filesystem_mirror {',
        '    path = "/srv/mirror"',
        '  }',
        '  direct {',
        '    exclude = ["registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/kubernetes"]',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  it.each(['/srv/"mirror', '/srv/$HOME', '/srv/%{x}', '/srv/a\\b', '/srv/a\nb'])('refuses the mirror path %j', (path) => {
    expect(() => renderCliConfig({ pluginCacheDir: '/c', providerMirror: path })).toThrow(ConfigError);
  });
});

describe('mirror directory', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('mirror');
  });
  afterEach(() => dir.remove());

  it('lists host/namespace/type of packed and unpacked layouts', async () => {
    mkdirSync(join(dir.path, 'registry.terraform.io/hashicorp/kubernetes/2.38.0/linux_amd64'), { recursive: true });
    mkdirSync(join(dir.path, 'registry.terraform.io/hashicorp/aws'), { recursive: true });
    writeFileSync(join(dir.path, 'registry.terraform.io/hashicorp/aws/terraform-provider-aws_6.0.0_linux_amd64.zip'), '');
    writeFileSync(join(dir.path, 'README'), 'not a host');
    expect(await listMirroredProviders(dir.path)).toEqual(['registry.terraform.io/hashicorp/aws', 'registry.terraform.io/hashicorp/kubernetes']);
  });

  it('names OVSB_PROVIDER_MIRROR and the fix when the directory is missing', async () => {
    const missing = join(dir.path, 'absent');
    await expect(listMirroredProviders(missing)).rejects.toMatchObject({
      name: 'ConfigError',
      source: 'OVSB_PROVIDER_MIRROR',
      message: expect.stringContaining(`terraform providers mirror ${missing}`),
    });
  });

  it('writes the file 0600 with the mirrored providers excluded from direct installation', async () => {
    mkdirSync(join(dir.path, 'mirror/registry.terraform.io/hashicorp/aws'), { recursive: true });
    const file = join(dir.path, 'cli.tfrc');
    await writeCliConfig(file, { pluginCacheDir: join(dir.path, 'cache'), providerMirror: join(dir.path, 'mirror') });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('exclude = ["registry.terraform.io/hashicorp/aws"]');
    await writeCliConfig(file, { pluginCacheDir: join(dir.path, 'cache') });
    expect(readFileSync(file, 'utf8')).not.toContain('filesystem_mirror');
    expect(readFileSync(file, 'utf8')).toContain('  direct {}');
  });
});

describe('the generated config with real terraform init', () => {
  const bin = process.env['OVSB_TERRAFORM_BIN'] ?? 'terraform';
  const root = tempDir('cli-config-init');
  afterAll(() => root.remove());
  const invoker = new TerraformInvoker({ bin, killGraceMs: 2_000, log: recordingLog() });
  const needsFake = { terraform: { required_providers: { fake: { source: 'ovsb/fake', version: '1.0.0' } } } };
  let counter = 0;

  /** A workspace requiring ovsb/fake, the runner's CLI config (written by writeCliConfig) and HOME. */
  async function workspace(options: Omit<CliConfigOptions, 'pluginCacheDir'>, homeDir: string): Promise<CommandContext> {
    counter += 1;
    const cwd = join(root.path, `ws-${counter}`);
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'cdk.tf.json'), JSON.stringify(needsFake));
    const pluginCacheDir = join(root.path, 'plugin-cache');
    mkdirSync(pluginCacheDir, { recursive: true });
    const cliConfigFile = join(root.path, `cli-${counter}.tfrc`);
    await writeCliConfig(cliConfigFile, { pluginCacheDir, ...options });
    return { cwd, cliConfigFile, pluginCacheDir, homeDir };
  }

  async function initFailure(ws: CommandContext): Promise<TerraformError> {
    try {
      await invoker.init(ws, { lockTimeoutSec: 5, timeoutMs: 60_000 });
    } catch (error) {
      if (error instanceof TerraformError) return error;
      throw error;
    }
    throw new Error('expected terraform init to fail');
  }

  it('GIVEN a provider cached by one workspace WHEN a new workspace without lock file inits THEN it uses the cache, not the mirror again', async () => {
    const mirror = join(root.path, 'mirror');
    const home = join(root.path, 'home-cache');
    mkdirSync(home);
    const zip = writeProviderPackage(mirror, 'ovsb', 'fake', '1.0.0');
    const first = await workspace({ providerMirror: mirror }, home);
    await invoker.init(first, { lockTimeoutSec: 5, timeoutMs: 60_000 });
    expect(existsSync(join(first.pluginCacheDir, 'registry.terraform.io/ovsb/fake/1.0.0/linux_amd64/terraform-provider-fake_v1.0.0'))).toBe(true);

    // The mirror still lists the version, but its package can no longer be installed from.
    writeFileSync(zip, 'not a zip any more');
    const second = await workspace({ providerMirror: mirror }, home);
    expect(existsSync(join(second.cwd, '.terraform.lock.hcl'))).toBe(false);
    await invoker.init(second, { lockTimeoutSec: 5, timeoutMs: 60_000 });
    expect(readFileSync(join(second.cwd, '.terraform.lock.hcl'), 'utf8')).toContain('provider "registry.terraform.io/ovsb/fake"');

    // Without plugin_cache_may_break_dependency_lock_file terraform installs from the mirror again, and fails.
    const strict = await workspace({ providerMirror: mirror }, home);
    writeFileSync(strict.cliConfigFile, readFileSync(strict.cliConfigFile, 'utf8').replace('plugin_cache_may_break_dependency_lock_file = true', ''));
    expect((await initFailure(strict)).details.diagnostics?.join(' ')).toMatch(/not a valid zip file/);
  });

  it('GIVEN a provider only in HOME\'s implicit plugin directory THEN terraform does not install it from there', async () => {
    const home = join(root.path, 'home-plugins');
    writeProviderPackage(join(home, '.terraform.d', 'plugins'), 'ovsb', 'fake', '1.0.0');
    const ws = await workspace({}, home);
    const error = await initFailure(ws);
    expect(error.failure).toEqual({ kind: 'provider-install', providers: ['ovsb/fake'] });

    // The same HOME without a provider_installation block: terraform takes it from the implicit directory.
    writeFileSync(ws.cliConfigFile, 'disable_checkpoint = true\n');
    await invoker.init(ws, { lockTimeoutSec: 5, timeoutMs: 60_000 });
  });

  it('GIVEN mirror-only installation THEN a provider missing from the mirror fails naming it, without a registry', async () => {
    const mirror = join(root.path, 'empty-mirror');
    const home = join(root.path, 'home-mirror-only');
    mkdirSync(mirror);
    mkdirSync(home);
    const error = await initFailure(await workspace({ providerMirror: mirror, mirrorOnly: true }, home));
    expect(error.failure).toEqual({ kind: 'provider-install', providers: ['ovsb/fake'] });
    expect(error.details.diagnostics?.join(' ')).toMatch(new RegExp(`not found in any of the search locations - ${mirror}$`));
  });
});
