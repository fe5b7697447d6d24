import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { interruptProcesses, isAlive, terraformProcessesIn } from '../../src/terraform/orphans';
import { tempDir } from './helpers';

const dir = tempDir('orphans');
const other = tempDir('orphans-other');
afterAll(() => {
  dir.remove();
  other.remove();
});

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A long-running node process in `cwd`, standing in for a terraform left behind; resolves once it is ready. */
async function leftBehind(cwd: string, ignoreSigint: boolean): Promise<ChildProcess> {
  const source = `${ignoreSigint ? "process.on('SIGINT', () => {});" : ''} console.log('ready'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', source], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  await once(child.stdout!, 'data');
  return child;
}

describe('orphaned processes', () => {
  it('finds processes of the binary running in the directory, and only those', async () => {
    const inside = await leftBehind(dir.path, false);
    await leftBehind(other.path, false);
    expect(await terraformProcessesIn(dir.path, process.execPath)).toEqual([inside.pid]);
    expect(await terraformProcessesIn(dir.path, '/usr/local/bin/terraform')).toEqual([]);
  });

  it('interrupts with SIGINT, and kills what ignores it after the grace period', async () => {
    const polite = await leftBehind(dir.path, false);
    const stubborn = await leftBehind(dir.path, true);
    const politeExit = once(polite, 'exit');
    const stubbornExit = once(stubborn, 'exit');
    expect(await interruptProcesses([polite.pid!, stubborn.pid!], 300)).toEqual([]);
    expect(await politeExit).toEqual([null, 'SIGINT']);
    expect(await stubbornExit).toEqual([null, 'SIGKILL']);
    expect(await isAlive(polite.pid!)).toBe(false);
    expect(await terraformProcessesIn(dir.path, process.execPath)).toEqual([]);
  });

  it('finds nothing in a directory that does not exist', async () => {
    expect(await terraformProcessesIn(`${dir.path}/absent`, 'terraform')).toEqual([]);
  });
});
