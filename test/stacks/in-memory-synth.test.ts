/** In-memory synthesis writes nothing where it runs: the broker's container has a read-only working dir. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TerraformStack } from 'cdktf';
import { synthesizeInMemory, synthesizeMevBoostStack, synthesizeNodeStack } from '../../src/synth';
import { mevBoostProps, nodeProps } from './props';

describe('in-memory synthesis', () => {
  const home = process.cwd();
  let dir: string | undefined;
  afterEach(() => {
    process.chdir(home);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN an empty working directory WHEN node and MEV-Boost stacks are synthesised THEN it stays empty', () => {
    dir = mkdtempSync(join(tmpdir(), 'ovsb-cwd-'));
    process.chdir(dir);
    const node = synthesizeNodeStack('n', nodeProps({ execution: 'geth', consensus: 'lighthouse', role: 'validator', target: 'kubernetes', network: 'hoodi' }));
    const mevBoost = synthesizeMevBoostStack('m', mevBoostProps('kubernetes', 'hoodi'));
    expect(Object.keys(node.resource ?? {}).length).toBeGreaterThan(0);
    expect(Object.keys(mevBoost.resource ?? {}).length).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('GIVEN a stack that throws while it is built THEN the error keeps its stack trace, and the hook is restored', () => {
    const before = Error.prepareStackTrace;
    let thrown: unknown;
    try {
      synthesizeInMemory({
        name: 'broken',
        build: (app) => {
          const stack = new TerraformStack(app, 'broken');
          throw new RangeError(`no ${stack.node.id} today`);
        },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RangeError);
    expect((thrown as Error).stack).toMatch(/^RangeError: no broken today\n\s+at /);
    expect(Error.prepareStackTrace).toBe(before);
  });
});
