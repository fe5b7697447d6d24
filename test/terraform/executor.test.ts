import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';

import type { TerraformCommand } from '../../src/terraform/commands';
import { execute } from '../../src/terraform/executor';
import { isAlive } from '../../src/terraform/orphans';
import { tempDir } from './helpers';

const node = process.execPath;
const dir = tempDir('executor');
afterAll(() => dir.remove());

const script = (source: string, env: Record<string, string> = {}): TerraformCommand => ({ args: ['-e', source], env, cwd: dir.path });

/** Prints `ready` once its SIGINT handler is installed, then idles until killed. */
const interruptible = (onInterrupt: string) => script(`process.on('SIGINT', () => { ${onInterrupt} }); console.log('ready'); setInterval(() => {}, 1000);`);

async function waitUntilDead(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (!(await isAlive(pid))) return true;
    await sleep(50);
  }
  return false;
}

describe('execute', () => {
  it('splits output into lines across chunk boundaries, multi-byte characters and CRLF included', async () => {
    const euro = Buffer.from('€');
    const source = `
      const chunks = [Buffer.from('hel'), Buffer.from('lo\\nwor'), Buffer.from('ld\\r\\n'), Buffer.from([${euro[0]}]), Buffer.from([${euro[1]}, ${euro[2]}]), Buffer.from('uro\\n'), Buffer.from('tail without newline')];
      (async () => { for (const chunk of chunks) { process.stdout.write(chunk); await new Promise((r) => setTimeout(r, 20)); } })();`;
    const seen: string[] = [];
    const result = await execute(node, script(source), { onStdoutLine: (line) => seen.push(line) });
    expect(result.stdout).toEqual(['hello', 'world', '€uro', 'tail without newline']);
    expect(seen).toEqual(result.stdout);
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false, aborted: false });
  });

  it('captures stderr separately and reports the exit code', async () => {
    const seen: string[] = [];
    const result = await execute(node, script("console.log('out'); console.error('Error: broken\\n\\ndetail'); process.exit(3);"), {
      onStderrLine: (line) => seen.push(line),
    });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toEqual(['out']);
    expect(result.stderr).toEqual(['Error: broken', '', 'detail']);
    expect(seen).toEqual(result.stderr);
  });

  it("passes only PATH, HOME, TMPDIR and the command's env, not the parent's environment", async () => {
    process.env['OVSB_TEST_PARENT_SECRET'] = 'must-not-leak';
    try {
      const result = await execute(node, script('console.log(JSON.stringify(process.env))', { TF_INPUT: '0', PG_CONN_STR: 'postgres://x' }));
      const env = JSON.parse(result.stdout.join('')) as Record<string, string>;
      expect(env['OVSB_TEST_PARENT_SECRET']).toBeUndefined();
      expect(env).toMatchObject({ TF_INPUT: '0', PG_CONN_STR: 'postgres://x', PATH: process.env['PATH'] });
      const allowed = new Set(['PATH', 'HOME', 'TMPDIR', 'TF_INPUT', 'PG_CONN_STR']);
      expect(Object.keys(env).filter((key) => !allowed.has(key))).toEqual([]);
    } finally {
      delete process.env['OVSB_TEST_PARENT_SECRET'];
    }
  });

  it('runs in the command cwd, with arguments passed verbatim (no shell)', async () => {
    const hostile = '$(touch pwned); `id` | cat > x && echo "quoted"';
    const result = await execute(node, { args: ['-e', 'console.log(process.cwd()); console.log(process.argv[1])', hostile], env: {}, cwd: dir.path });
    expect(result.stdout).toEqual([dir.path, hostile]);
    expect(existsSync(join(dir.path, 'pwned'))).toBe(false);
  });

  it('interrupts with SIGINT when the timeout elapses', async () => {
    const result = await execute(node, interruptible("console.log('interrupted'); process.exit(130);"), { timeoutMs: 1500, killGraceMs: 10_000 });
    expect(result).toMatchObject({ timedOut: true, aborted: false, exitCode: 130 });
    expect(result.stdout).toEqual(['ready', 'interrupted']);
  });

  it('interrupts with SIGINT when the signal aborts', async () => {
    const controller = new AbortController();
    const result = await execute(node, interruptible("console.log('stopping cleanly'); process.exit(1);"), {
      signal: controller.signal,
      onStdoutLine: (line) => line === 'ready' && controller.abort(),
    });
    expect(result).toMatchObject({ aborted: true, timedOut: false, exitCode: 1 });
    expect(result.stdout).toContain('stopping cleanly');
  });

  it('kills the whole process group when SIGINT is ignored past the grace period', async () => {
    const controller = new AbortController();
    const source = `
      const { spawn } = require('node:child_process');
      const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      process.on('SIGINT', () => console.log('ignoring SIGINT'));
      console.log('grandchild ' + grandchild.pid);
      console.log('ready');
      setInterval(() => {}, 1000);`;
    let grandchild = 0;
    const result = await execute(node, script(source), {
      signal: controller.signal,
      killGraceMs: 300,
      onStdoutLine: (line) => {
        if (line.startsWith('grandchild ')) grandchild = Number(line.slice('grandchild '.length));
        if (line === 'ready') controller.abort();
      },
    });
    expect(result).toMatchObject({ aborted: true, exitCode: null, signal: 'SIGKILL' });
    expect(result.stdout).toContain('ignoring SIGINT');
    expect(grandchild).toBeGreaterThan(0);
    expect(await waitUntilDead(grandchild)).toBe(true);
  });

  it('does not start the process when the signal is already aborted', async () => {
    const marker = join(dir.path, 'started');
    const result = await execute(node, script(`require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`), { signal: AbortSignal.abort() });
    expect(result).toEqual({ exitCode: null, signal: null, stdout: [], stderr: [], timedOut: false, aborted: true });
    expect(existsSync(marker)).toBe(false);
  });

  it('rejects with the spawn error when the binary does not exist', async () => {
    await expect(execute(join(dir.path, 'no-such-terraform'), script(''))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
