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
import { gatewayBench, type GatewayFigures } from './gateway-bench';
import { cleanUp, runOk } from './measure';
import { PROVIDER_BENCH_PLAN, providerBench, type ProviderFigures } from './provider-bench';
import { SYNTH_PLAN, synthBench, type SynthFigures } from './synth-bench';

/** A target of the issue: `measured` must be at most (or at least) `limit`. */
interface Target {
  readonly name: string;
  readonly measured: number;
  readonly limit: number;
  readonly bound: 'at most' | 'below' | 'at least';
  readonly format: (value: number) => string;
}

const fixed = (value: number, digits = 2): string => value.toFixed(digits);
const ms = (value: number) => `${fixed(value, value < 100 ? 2 : 0)} ms`;
const times = (value: number) => `${fixed(value)}x`;
const count = (value: number) => String(value);

function met(t: Target): boolean {
  switch (t.bound) {
    case 'at most':
      return t.measured <= t.limit;
    case 'below':
      return t.measured < t.limit;
    case 'at least':
      return t.measured >= t.limit;
  }
}

function targets(s: SynthFigures, c: ColdStartFigures, p: ProvisionFigures, loads: readonly LoadFigures[], k: ConcurrencyFigures, tf: ProviderFigures, g: GatewayFigures): Target[] {
  const list: Target[] = [
    { name: 'one plan synth in a warm process (median)', measured: s.warmMedianMs, limit: 20, bound: 'at most', format: ms },
    { name: 'one plan as a process, speed-up over cdktf synth', measured: s.cdktfMedianSec / s.processMedianSec, limit: 5, bound: 'at least', format: times },
    { name: 'broker cold start to first 200 on /v2/catalog', measured: c.medianMs, limit: 1000, bound: 'at most', format: ms },
    { name: 'sandbox provision, broker / raw terraform', measured: p.brokerMedianSec / p.rawMedianSec, limit: 1.15, bound: 'at most', format: times },
  ];
  for (const l of loads) {
    list.push({ name: `last_operation req/s / hello-world req/s (${l.engine})`, measured: l.lastOperationRatio, limit: 0.5, bound: 'at least', format: times });
    list.push({ name: `last_operation p99 at ${l.instances} instances (${l.engine})`, measured: l.lastOperation.p99Ms, limit: 10, bound: 'below', format: ms });
  }
  const first = k.rssAtMiB[0]?.rssMiB ?? k.peakRssMiB;
  const last = k.rssAtMiB.at(-1)?.rssMiB ?? k.peakRssMiB;
  list.push({ name: `${k.instances} concurrent provisions: failures (${k.runs} run(s))`, measured: k.failed, limit: 0, bound: 'at most', format: count });
  list.push({
    name: `${k.instances} concurrent provisions: memory flat (RSS at the last milestone / at the first)`,
    measured: last / first,
    limit: 1.25,
    bound: 'at most',
    format: times,
  });
  const seconds = (value: number) => `${fixed(value)} s`;
  list.push({ name: 'terraform-provider-ovsb launch to handshake (median)', measured: tf.launchMedianMs, limit: 150, bound: 'at most', format: ms });
  list.push({ name: 'terraform plan, one ovsb_service_instance, no changes (median)', measured: tf.planMedianSec, limit: 1, bound: 'at most', format: seconds });
  list.push({ name: 'terraform apply of one sandbox instance / the broker\'s PUT-to-succeeded', measured: tf.applyMedianSec / tf.putMedianSec, limit: 1.5, bound: 'at most', format: times });
  list.push({ name: 'gateway: p50 latency added on eth_blockNumber (warm token cache)', measured: g.addedP50Ms, limit: 1, bound: 'at most', format: ms });
  list.push({ name: 'gateway: eth_blockNumber req/s through the gateway / direct to the node', measured: g.throughputRatio, limit: 0.7, bound: 'at least', format: times });
  list.push({ name: `gateway: ${g.tokens} tokens, ${g.tokenConnections} connections: errors and non-2xx`, measured: g.tokenErrors + g.tokenNon2xx, limit: 0, bound: 'at most', format: count });
  list.push({
    name: `gateway: ${g.tokens} tokens, memory flat (RSS after the last round / after the first)`,
    measured: (g.rssAfterRoundMiB.at(-1) ?? 0) / (g.rssAfterRoundMiB[0] ?? 1),
    limit: 1.25,
    bound: 'at most',
    format: times,
  });
  return list;
}

/** PASS, or MISS with the shortfall: how far the figure is from its limit, in its unit and in percent. */
function verdict(t: Target): string {
  if (met(t)) return 'PASS';
  const gap = Math.abs(t.measured - t.limit);
  const percent = t.limit === 0 ? '' : `, ${fixed((100 * gap) / t.limit, 0)}%`;
  return `MISS by ${t.format(gap)}${percent} (${t.bound === 'at least' ? 'short' : 'over'})`;
}

const targetRow = (t: Target): string => `| ${t.name} | ${t.bound} ${t.format(t.limit)} | ${t.format(t.measured)} | ${verdict(t)} |`;

const loadRow = (name: string, r: LoadResult, ratio?: number): string =>
  `| ${name} | ${fixed(r.requestsPerSec, 0)} | ${ratio === undefined ? '1' : fixed(ratio, ratio < 0.1 ? 4 : 2)} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} | ${r.non2xx} |`;

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
  log('terraform provider');
  const provider = await providerBench(quick);

  log('RPC gateway');
  const gateway = await gatewayBench(quick);

  const results = targets(synth, cold, provision, loads, concurrency, provider, gateway);
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
    '| target | limit | measured | |',
    '|---|---|---|---|',
    ...results.map(targetRow),
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
    `| every plan as a process: \`ovsb synth --out\` (${synth.allPlansStacks} stacks; median of ${synth.allPlansRuns}) | ${fixed(synth.allPlansSec)} s, peak ${fixed(synth.allPlansPeakMiB, 0)} MiB |`,
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
    'autocannon against the broker process at its default log level (info; answered polls log at debug) with 1,000',
    `provisioned instances in storage, and an Express hello-world process started by the same run; ${CONNECTIONS} connections`,
    `(catalog: 2), ${loads[0]!.rounds} round(s) of ${loads[0]!.durationSec} s per endpoint, interleaved; figures are medians over the rounds, and`,
    '"x hello" is the median of the per-round ratios. The load generator shares the two cores with the servers (and',
    'with PostgreSQL), which inflates tail latency for the baseline as much as for the broker.',
    '',
    '| endpoint | req/s | x hello | p50 ms | p99 ms | errors | non-2xx |',
    '|---|---|---|---|---|---|---|',
    ...loads.flatMap((l) => [
      loadRow(`hello-world (baseline, ${l.engine} run)`, l.hello),
      loadRow(`last_operation (${l.engine})`, l.lastOperation, l.lastOperationRatio),
      loadRow(`catalog (${l.engine}; a multi-megabyte body)`, l.catalog, l.catalogRatio),
    ]),
    '',
    '## Concurrent provisions',
    '',
    `${concurrency.instances} sandbox provisions PUT at once to one broker (OVSB_MAX_CONCURRENT_APPLIES=${concurrency.maxConcurrentApplies}), ${concurrency.runs} runs, each on a fresh broker; medians over the runs.`,
    '',
    '| measure | value |',
    '|---|---|',
    `| total time, first PUT to last \`succeeded\` | ${fixed(concurrency.totalSec, 1)} s |`,
    `| succeeded / failed (all runs) | ${concurrency.succeeded} / ${concurrency.failed} |`,
    `| broker peak RSS | ${fixed(concurrency.peakRssMiB, 0)} MiB |`,
    ...concurrency.rssAtMiB.map((m) => `| broker RSS after ${m.done} finished | ${fixed(m.rssMiB, 0)} MiB |`),
    '',
    '## Terraform provider',
    '',
    `terraform-provider-ovsb from \`ovsb provider install\` (a filesystem mirror), the real terraform, a broker process; plan \`${PROVIDER_BENCH_PLAN}\`.`,
    '',
    '| measure | value |',
    '|---|---|',
    `| provider spawned to its handshake line, AutoMTLS on (median of ${provider.launchRuns}) | ${fixed(provider.launchMedianMs, 0)} ms |`,
    `| \`terraform plan\` of one ovsb_service_instance, no changes (median of ${provider.planRuns}) | ${fixed(provider.planMedianSec)} s |`,
    `| \`terraform plan\` of one terraform_data, no changes (same runs, interleaved) | ${fixed(provider.planBaselineMedianSec)} s |`,
    `| ratio provider plan / terraform_data plan | ${fixed(provider.planMedianSec / provider.planBaselineMedianSec, 1)}x |`,
    `| \`terraform apply\` creating one sandbox instance, init excluded (median of ${provider.applyRuns}) | ${fixed(provider.applyMedianSec)} s |`,
    `| the broker's own PUT to \`succeeded\` on the same broker (interleaved, median of ${provider.applyRuns}) | ${fixed(provider.putMedianSec)} s |`,
    `| ratio apply / PUT-to-succeeded | ${fixed(provider.applyMedianSec / provider.putMedianSec, 2)}x |`,
    '## RPC gateway',
    '',
    '`ovsb gateway` as a process in front of a ganache dev chain (the node, its own process), with the broker as a process',
    `(one sandbox RPC instance, ${gateway.tokens} bindings; the bench catalog lifts the per-token limits) at the default log level.`,
    `Latency: ${gateway.latencySamples} sequential eth_blockNumber requests each way on one kept-alive connection, alternating in blocks`,
    `of 100 between the node directly and the gateway (one token, cache warm). Throughput: autocannon, ${gateway.connections} connections,`,
    `${gateway.rounds} round(s) of ${gateway.durationSec} s each way, interleaved; the ratio is the median of the per-round ratios. Every`,
    'process shares the two cores, so the gateway competes with the node it fronts and with the load generator. ganache',
    'serves HTTP with uWebSockets (native code), so "direct" is far cheaper per request than any Node server: the bare',
    'Node proxy row shows what Node\'s HTTP stack alone reaches against it.',
    '',
    '| measure | value |',
    '|---|---|',
    `| p50 latency, direct to the node | ${fixed(gateway.directP50Ms, 3)} ms |`,
    `| p50 latency, through the gateway | ${fixed(gateway.gatewayP50Ms, 3)} ms |`,
    `| p50 added by the gateway | ${fixed(gateway.addedP50Ms, 3)} ms |`,
    `| req/s direct / through the gateway | ${fixed(gateway.directRps, 0)} / ${fixed(gateway.gatewayRps, 0)} (${fixed(gateway.throughputRatio)}x) |`,
    `| req/s through a bare Node proxy (baseline: body, one keep-alive request, answer; nothing else) | ${fixed(gateway.bareRps, 0)} (${fixed(gateway.bareRatio)}x direct) |`,
    `| ${gateway.tokens} distinct tokens, ${gateway.tokenConnections} connections, ${gateway.tokenRounds} rounds: req/s (median) | ${fixed(gateway.tokenRps, 0)} |`,
    `| errors / non-2xx (all rounds) | ${gateway.tokenErrors} / ${gateway.tokenNon2xx} |`,
    ...gateway.rssAfterRoundMiB.map((rss, i) => `| gateway RSS after round ${i + 1} | ${fixed(rss, 0)} MiB |`),
    '',
  ].join('\n');
  writeFileSync(join(packageRoot(), 'BENCHMARKS.md'), md);
  log('written BENCHMARKS.md');
  for (const t of results) log(`${verdict(t)}: ${t.name}: ${t.format(t.measured)}`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
