/**
 * `npm run bench [-- --quick]`: measures synthesis, broker start, provisioning and HTTP load, side by side
 * with their baselines in one run, and writes BENCHMARKS.md (machine, date, figures, targets met or
 * missed and by how much). Not a test: nothing here asserts; the figures are for people.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/catalog/load';
import { startPostgres, type TestPostgres } from '../test/support/postgres';
import {
  coldStartBench,
  concurrencyBench,
  CONNECTIONS,
  loadBench,
  provisionBench,
  SANDBOX_PLAN,
  type ColdStartFigures,
  type ConcurrencyFigures,
  type LoadFigures,
  type LoadResult,
  type ProvisionFigures,
} from './broker-bench';
import { cleanUp, runOk } from './measure';
import { SYNTH_PLAN, synthBench, type SynthFigures } from './synth-bench';

interface Target {
  readonly name: string;
  readonly met: boolean;
  readonly detail: string;
}

const fixed = (value: number, digits = 2): string => value.toFixed(digits);

function targets(s: SynthFigures, c: ColdStartFigures, p: ProvisionFigures, loads: readonly LoadFigures[], k: ConcurrencyFigures): Target[] {
  const synthRatio = s.cdktfMedianSec / s.processMedianSec;
  const provisionRatio = p.brokerMedianSec / p.rawMedianSec;
  const list: Target[] = [
    { name: 'one plan synth in a warm process <= 20 ms (median)', met: s.warmMedianMs <= 20, detail: `${fixed(s.warmMedianMs)} ms` },
    { name: 'one plan as a process >= 5x faster than cdktf synth', met: synthRatio >= 5, detail: `${fixed(synthRatio, 1)}x` },
    { name: 'broker cold start <= 1 s to first 200 on /v2/catalog', met: c.medianMs <= 1000, detail: `${fixed(c.medianMs, 0)} ms` },
    { name: 'sandbox provision <= 1.15x raw terraform', met: provisionRatio <= 1.15, detail: `${fixed(provisionRatio)}x` },
  ];
  for (const l of loads) {
    const ratio = l.lastOperation.requestsPerSec / l.hello.requestsPerSec;
    list.push({ name: `last_operation >= 0.5x hello-world req/s (${l.engine})`, met: ratio >= 0.5, detail: `${fixed(ratio)}x` });
    list.push({ name: `last_operation p99 < 10 ms at ${l.instances} instances (${l.engine})`, met: l.lastOperation.p99Ms < 10, detail: `${l.lastOperation.p99Ms} ms` });
  }
  const first = k.rssAtMiB[0]?.rssMiB ?? k.peakRssMiB;
  const last = k.rssAtMiB.at(-1)?.rssMiB ?? k.peakRssMiB;
  list.push({ name: `${k.instances} concurrent provisions: 0 failures`, met: k.failed === 0, detail: `${k.failed} failed` });
  list.push({
    name: `${k.instances} concurrent provisions: memory flat (last milestone within 1.25x of the first)`,
    met: last <= first * 1.25,
    detail: `${fixed(first, 0)} -> ${fixed(last, 0)} MiB`,
  });
  return list;
}

function missBy(target: Target): string {
  return target.met ? 'PASS' : `MISS (${target.detail})`;
}

const loadRow = (name: string, r: LoadResult): string =>
  `| ${name} | ${fixed(r.requestsPerSec, 0)} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} | ${r.non2xx} |`;

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const started = new Date();
  const terraform = (await runOk('terraform', ['version'])).stdout.split('\n')[0];
  const log = (text: string) => process.stdout.write(`bench: ${text}\n`);

  log('synthesis');
  const synth = await synthBench(quick);
  log('broker cold start');
  const cold = await coldStartBench(quick);
  log('sandbox provision vs raw terraform');
  const provision = await provisionBench(quick);
  log('HTTP load on SQLite');
  const loads: LoadFigures[] = [await loadBench('sqlite', quick)];
  let postgres: TestPostgres | undefined;
  try {
    log('HTTP load on PostgreSQL');
    postgres = await startPostgres();
    loads.push(await loadBench('postgres', quick, await postgres.createDatabase('bench_load')));
  } finally {
    await postgres?.stop();
  }
  log('concurrent provisions');
  const concurrency = await concurrencyBench(quick);

  const results = targets(synth, cold, provision, loads, concurrency);
  const md = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${started.toISOString().slice(0, 10)} (${quick ? 'quick mode: fewer runs, not for comparison' : 'full run'}).`,
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${fixed(totalmem() / 1024 ** 3, 1)} GiB memory; Node ${process.version}; ${terraform}.`,
    'Every figure is a median of several runs or a ratio of two measurements taken side by side in this run: the',
    'machines are noisy, so compare ratios across machines, not absolute times.',
    '',
    '## Targets',
    '',
    '| target | result | |',
    '|---|---|---|',
    ...results.map((t) => `| ${t.name} | ${t.detail} | ${missBy(t)} |`),
    '',
    '## Synthesis',
    '',
    `Plan \`${SYNTH_PLAN}\` with its example parameters (compiled JS, no source maps).`,
    '',
    '| measure | value |',
    '|---|---|',
    `| one plan, warm process (median of ${synth.warmRuns}) | ${fixed(synth.warmMedianMs)} ms |`,
    `| one plan as a process: \`ovsb synth --plan\` (median of ${synth.processRuns}) | ${fixed(synth.processMedianSec)} s |`,
    `| the same stack with \`cdktf synth\` (same app, one-plan catalog; median of ${synth.processRuns}) | ${fixed(synth.cdktfMedianSec)} s |`,
    `| ratio cdktf / ovsb | ${fixed(synth.cdktfMedianSec / synth.processMedianSec, 1)}x |`,
    `| every plan as a process: \`ovsb synth --out\` (${synth.allPlansStacks} stacks) | ${fixed(synth.allPlansSec)} s, peak ${fixed(synth.allPlansPeakMiB, 0)} MiB |`,
    '',
    '## Broker start and provisioning',
    '',
    '| measure | value |',
    '|---|---|',
    `| cold start: \`ovsb serve\` spawned to first 200 on /v2/catalog, fresh data dir (median of ${cold.runs}) | ${fixed(cold.medianMs, 0)} ms |`,
    `| sandbox provision through the broker: PUT to \`succeeded\` (\`${SANDBOX_PLAN}\`, median of ${provision.runs}) | ${fixed(provision.brokerMedianSec)} s |`,
    `| raw \`terraform init && apply && output -json\` on the same synthesised JSON (median of ${provision.runs}) | ${fixed(provision.rawMedianSec)} s |`,
    `| ratio broker / raw | ${fixed(provision.brokerMedianSec / provision.rawMedianSec)}x |`,
    '',
    '## HTTP load',
    '',
    `autocannon against the broker process (OVSB_LOG_LEVEL=warn) with 1,000 provisioned instances in storage, and an`,
    `Express hello-world process started by the same run; ${CONNECTIONS} connections (catalog: 2), ${loads[0]!.durationSec} s each. The load generator`,
    'shares the two cores with the server, which inflates tail latency for the baseline as much as for the broker.',
    '',
    '| endpoint | req/s | p50 ms | p99 ms | errors | non-2xx |',
    '|---|---|---|---|---|---|',
    ...loads.flatMap((l) => [
      loadRow(`hello-world (baseline, ${l.engine} run)`, l.hello),
      loadRow(`last_operation (${l.engine})`, l.lastOperation),
      loadRow(`catalog (${l.engine}; a multi-megabyte body)`, l.catalog),
    ]),
    '',
    '## Concurrent provisions',
    '',
    `${concurrency.instances} sandbox provisions PUT at once to one broker (OVSB_MAX_CONCURRENT_APPLIES=${concurrency.maxConcurrentApplies}).`,
    '',
    '| measure | value |',
    '|---|---|',
    `| total time, first PUT to last \`succeeded\` | ${fixed(concurrency.totalSec, 1)} s |`,
    `| succeeded / failed | ${concurrency.succeeded} / ${concurrency.failed} |`,
    `| broker peak RSS | ${fixed(concurrency.peakRssMiB, 0)} MiB |`,
    ...concurrency.rssAtMiB.map((m) => `| broker RSS after ${m.done} finished | ${fixed(m.rssMiB, 0)} MiB |`),
    '',
  ].join('\n');
  writeFileSync(join(packageRoot(), 'BENCHMARKS.md'), md);
  log('written BENCHMARKS.md');
  for (const t of results) log(`${missBy(t).padEnd(6)} ${t.name}: ${t.detail}`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
