import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/errors';
import { listMirroredProviders, renderCliConfig, writeCliConfig } from '../../src/terraform/cli-config';
import { tempDir } from './helpers';

describe('renderCliConfig', () => {
  it('sets the plugin cache and disables checkpoint, without provider_installation by default', () => {
    expect(renderCliConfig({ pluginCacheDir: '/data/terraform/plugin-cache' })).toBe(
      '# Written by the OVSB terraform runner; rewritten before every terraform init. Do not edit.\n' +
        'plugin_cache_dir   = "/data/terraform/plugin-cache"\n' +
        'disable_checkpoint = true\n',
    );
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
    expect(readFileSync(file, 'utf8')).not.toContain('provider_installation');
  });
});
