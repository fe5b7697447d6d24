/** Runs the real terraform binary on a synthesised configuration in a throwaway directory. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TerraformDir {
  readonly path: string;
  terraform(...args: string[]): Promise<string>;
  /** `terraform plan -detailed-exitcode`: 0 when nothing would change, 2 when something would. */
  planExitCode(): Promise<number>;
  remove(): void;
}

export function terraformDir(config: unknown): TerraformDir {
  const path = mkdtempSync(join(tmpdir(), 'ovsb-stacks-'));
  writeFileSync(join(path, 'cdk.tf.json'), JSON.stringify(config, null, 2));
  // No registry, no checkpoint calls, and none of the machine's CLI settings.
  const cliConfig = join(path, 'terraform.rc');
  writeFileSync(cliConfig, '');
  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: path,
    CHECKPOINT_DISABLE: '1',
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
  };
  const terraform = async (...args: string[]) => (await run('terraform', [...args, '-no-color'], { cwd: path, env })).stdout;
  return {
    path,
    terraform,
    async planExitCode() {
      try {
        await terraform('plan', '-detailed-exitcode', '-input=false');
        return 0;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 2) return 2;
        throw error;
      }
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
