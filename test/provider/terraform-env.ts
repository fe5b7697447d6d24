/**
 * The real terraform binary driving terraform-provider-ovsb against a broker the test starts: the broker
 * harness (real catalog, storage, terraform runner and worker) served over HTTP on 127.0.0.1, the
 * provider laid out by `ovsb provider install` as a filesystem mirror, terraform spawned asynchronously
 * (the broker answers from this same process).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CREDENTIALS, createHarness, type Harness, type HarnessOptions } from '../broker/harness';

export const ROOT = resolve(__dirname, '../..');
export const CLI = join(ROOT, 'dist/src/cli/main.js');

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProviderWorld {
  readonly harness: Harness;
  readonly url: string;
  readonly root: string;
  readonly mirror: string;
  /** What `ovsb provider install` printed (the CLI config block). */
  readonly installOutput: string;
  /** The environment terraform runs with: the mirror's CLI config, OVSB_URL / OVSB_USERNAME / OVSB_PASSWORD. */
  readonly env: Readonly<Record<string, string>>;
  /** A new terraform working directory with the given main.tf. */
  workdir(name: string, mainTf: string): string;
  terraform(dir: string, args: readonly string[]): Promise<TerraformResult>;
  close(): Promise<void>;
}

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist/src/provider/main.js')) || !existsSync(CLI)) {
    throw new Error('dist/ is not built: run `npx tsc -p tsconfig.json` first (npm test does)');
  }
}

export async function startProviderWorld(options: HarnessOptions): Promise<ProviderWorld> {
  requireBuild();
  const harness = await createHarness(options);
  const server: Server = createServer(harness.app);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const root = mkdtempSync(join(tmpdir(), 'ovsb-provider-'));
  const mirror = join(root, 'mirror');
  const install = spawnSync(process.execPath, [CLI, 'provider', 'install', mirror], { cwd: root, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`ovsb provider install failed:\n${install.stderr}`);
  const cliConfig = join(root, 'terraform.rc');
  writeFileSync(cliConfig, install.stdout);
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: root,
    TF_CLI_CONFIG_FILE: cliConfig,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    OVSB_URL: url,
    OVSB_USERNAME: CREDENTIALS.username,
    OVSB_PASSWORD: CREDENTIALS.password,
  };
  return {
    harness,
    url,
    root,
    mirror,
    installOutput: install.stdout,
    env,
    workdir(name, mainTf) {
      const dir = join(root, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'main.tf'), mainTf);
      return dir;
    },
    terraform(dir, args) {
      return new Promise((done) => {
        execFile('terraform', [...args], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1;
          done({ code, stdout, stderr });
        });
      });
    },
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await harness.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** main.tf header: the provider from the mirror, configured from OVSB_URL / OVSB_USERNAME / OVSB_PASSWORD. */
export const PROVIDER_HEADER = `
terraform {
  required_providers {
    ovsb = { source = "ovsb.local/ovsb/ovsb" }
  }
}
provider "ovsb" {}
`;
