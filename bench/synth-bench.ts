/**
 * Synthesis figures: one plan in a warm process (median ms), one plan as a process (`ovsb synth --plan`)
 * against `cdktf synth` of the same stack (ratio), and every plan as a process (seconds, peak memory).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledCatalogPath, loadCatalog, packageRoot } from '../src/catalog/load';
import { exampleStackDefinition } from '../src/cli/synth-plans';
import { synthesizeInMemory } from '../src/synth';
import { cliMain } from './broker-process';
import { median, tempDir, timed } from './measure';

export const SYNTH_PLAN = 'geth-lighthouse-validator-kubernetes-mainnet';

export interface SynthFigures {
  readonly warmMedianMs: number;
  readonly warmRuns: number;
  readonly processMedianSec: number;
  readonly cdktfMedianSec: number;
  readonly processRuns: number;
  readonly allPlansRuns: number;
  /** Medians over the runs. */
  readonly allPlansSec: number;
  readonly allPlansPeakMiB: number;
  readonly allPlansStacks: number;
}

/** A catalog offering just SYNTH_PLAN, so `cdktf synth` (which runs the whole app) makes that one stack. */
function onePlanCatalog(dir: string): string {
  let text = readFileSync(bundledCatalogPath(), 'utf8');
  text = text.replace(/^combos: .*$/m, 'combos:\n  - { execution: geth, consensus: lighthouse, networks: [mainnet] }');
  text = text.replace(/^roles: .*$/m, 'roles: [validator]');
  text = text.replace(/^targets:\n(?: {2}.*\n|\s*#.*\n)*/m, 'targets:\n  kubernetes: {}\n');
  text = text.replace(/^( {4}lido: )plans/gm, '$1off');
  text = text.replace(/^( {2}mev_boost: )true/m, '$1false');
  const path = join(dir, 'catalog.yaml');
  writeFileSync(path, text);
  return path;
}

export async function synthBench(quick: boolean): Promise<SynthFigures> {
  // One plan in this (warm) process, compiled JS.
  const catalog = loadCatalog();
  const plan = catalog.findPlanByRef(SYNTH_PLAN);
  if (plan === undefined) throw new Error(`the bundled catalog has no plan ${SYNTH_PLAN}`);
  for (let i = 0; i < 5; i++) synthesizeInMemory(exampleStackDefinition(catalog, plan));
  const warmRuns = quick ? 20 : 60;
  const warm: number[] = [];
  for (let i = 0; i < warmRuns; i++) {
    const started = performance.now();
    synthesizeInMemory(exampleStackDefinition(catalog, plan));
    warm.push(performance.now() - started);
  }

  // One plan as a process, side by side with cdktf synth of the same single-stack app.
  const dir = tempDir('synth');
  const env = {
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    OVSB_CATALOG: onePlanCatalog(dir),
    OVSB_STACKS_FILE: join(dir, 'stacks.yaml'),
  };
  writeFileSync(env.OVSB_STACKS_FILE, 'stacks: []\n');
  const cdktf = join(packageRoot(), 'node_modules', '.bin', 'cdktf');
  const processRuns = quick ? 2 : 5;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < processRuns; i++) {
    ours.push((await timed(process.execPath, [cliMain(), 'synth', '--plan', SYNTH_PLAN, '--out', join(dir, `ovsb-${i}`)], { env, cwd: packageRoot() })).seconds);
    theirs.push((await timed(cdktf, ['synth', '--output', join(dir, `cdktf-${i}`)], { env, cwd: packageRoot(), timeoutMs: 300_000 })).seconds);
  }

  // Every plan as one process.
  const allRuns = quick ? 1 : 3;
  const all: { seconds: number; peakKiB: number }[] = [];
  for (let i = 0; i < allRuns; i++) {
    all.push(await timed(process.execPath, [cliMain(), 'synth', '--out', join(dir, `all-${i}`)], { env: { ...process.env, OVSB_STACKS_FILE: env.OVSB_STACKS_FILE }, cwd: packageRoot() }));
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'all-0', 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> };

  return {
    warmMedianMs: median(warm),
    warmRuns,
    processMedianSec: median(ours),
    cdktfMedianSec: median(theirs),
    processRuns,
    allPlansRuns: allRuns,
    allPlansSec: median(all.map((run) => run.seconds)),
    allPlansPeakMiB: median(all.map((run) => run.peakKiB)) / 1024,
    allPlansStacks: Object.keys(manifest.stacks).length,
  };
}
