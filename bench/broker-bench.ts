/**
 * Broker figures, each against the broker as a process: cold start, a sandbox provision against raw
 * terraform on the same synthesised JSON, HTTP load (autocannon) against an Express hello-world with
 * 1,000 instances in storage on SQLite and PostgreSQL, and many concurrent sandbox provisions.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { loadCatalog, packageRoot } from '../src/catalog/load';
import type { CatalogPlan } from '../src/catalog/model';
import { SecretBox } from '../src/crypto/secret-box';
import { openStorage } from '../src/storage';
import { BENCH_ENCRYPTION_KEY, cliMain, startBrokerProcess } from './broker-process';
import { freePort, median, OSB_HEADERS, osb, rssKiB, runOk, sampleRss, tempDir, track, waitFor } from './measure';

/** An RPC node: the diversity policy lets any number of them through (they run no validators). */
// A pair whose releases follow hoodi's scheduled Glamsterdam: others refuse provisions near the fork.
export const SANDBOX_PLAN = 'nethermind-prysm-rpc-sandbox-hoodi';

export function sandboxPlan(): CatalogPlan {
  const plan = loadCatalog().findPlanByRef(SANDBOX_PLAN);
  if (plan === undefined) throw new Error(`the bundled catalog has no plan ${SANDBOX_PLAN}`);
  return plan;
}

const provisionBody = (plan: CatalogPlan) => ({ organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, parameters: {} });

/** PUT then poll last_operation every 5 ms (the resolution of the figure, against a raw run of ~0.2 s); the seconds from PUT to `succeeded`. */
export async function provisionOnce(base: string, plan: CatalogPlan, id: string): Promise<number> {
  const started = performance.now();
  const put = await osb(base, 'PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody(plan));
  if (put.status !== 202) throw new Error(`provision ${id}: ${put.status} ${JSON.stringify(put.body)}`);
  for (;;) {
    const polled = await osb(base, 'GET', `/v2/service_instances/${id}/last_operation`);
    if (polled.body['state'] === 'succeeded') return (performance.now() - started) / 1000;
    if (polled.body['state'] === 'failed') throw new Error(`provision ${id} failed: ${String(polled.body['description'])}`);
    await sleep(5);
  }
}

export interface ColdStartFigures {
  readonly medianMs: number;
  readonly runs: number;
}

export async function coldStartBench(quick: boolean): Promise<ColdStartFigures> {
  const runs = quick ? 3 : 7;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    // A fresh data dir each time: the broker creates its database and key as on a first start.
    const broker = await startBrokerProcess({ dataDir: tempDir('cold') });
    times.push(broker.startMs);
    await broker.stop();
  }
  return { medianMs: median(times), runs };
}

export interface ProvisionFigures {
  readonly brokerMedianSec: number;
  readonly rawMedianSec: number;
  readonly runs: number;
}

export async function provisionBench(quick: boolean): Promise<ProvisionFigures> {
  const plan = sandboxPlan();
  const dir = tempDir('provision');
  // The same stack the broker would apply, synthesised by the CLI.
  await runOk(process.execPath, [cliMain(), 'synth', '--plan', SANDBOX_PLAN, '--out', join(dir, 'synth')], { cwd: packageRoot() });
  const stackJson = join(dir, 'synth', 'stacks', SANDBOX_PLAN, 'cdk.tf.json');
  // Raw terraform gets what the runner gives itself: a CLI config with a plugin cache, no checkpoint.
  const cliConfig = join(dir, 'terraform.rc');
  mkdirSync(join(dir, 'plugin-cache'));
  writeFileSync(cliConfig, `plugin_cache_dir = "${join(dir, 'plugin-cache')}"\ndisable_checkpoint = true\n`);
  const terraformEnv = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };

  const broker = await startBrokerProcess({ dataDir: tempDir('provision-broker') });
  const runs = quick ? 2 : 5;
  const ours: number[] = [];
  const raw: number[] = [];
  try {
    await provisionOnce(broker.base, plan, 'warm-up');
    for (let i = 0; i < runs; i++) {
      ours.push(await provisionOnce(broker.base, plan, `bench-${i}`));
      const work = join(dir, `raw-${i}`);
      mkdirSync(work);
      copyFileSync(stackJson, join(work, 'cdk.tf.json'));
      const started = performance.now();
      await runOk('terraform', ['init', '-input=false'], { cwd: work, env: terraformEnv });
      await runOk('terraform', ['apply', '-auto-approve', '-input=false'], { cwd: work, env: terraformEnv });
      await runOk('terraform', ['output', '-json'], { cwd: work, env: terraformEnv });
      raw.push((performance.now() - started) / 1000);
    }
  } finally {
    await broker.stop();
  }
  return { brokerMedianSec: median(ours), rawMedianSec: median(raw), runs };
}

export interface LoadResult {
  /** Medians over the rounds. */
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Sums over the rounds. */
  readonly errors: number;
  readonly non2xx: number;
}

export interface LoadFigures {
  readonly engine: 'sqlite' | 'postgres';
  readonly instances: number;
  readonly durationSec: number;
  readonly rounds: number;
  readonly hello: LoadResult;
  readonly lastOperation: LoadResult;
  readonly catalog: LoadResult;
  /** Median over the rounds of (endpoint req/s / hello-world req/s in the same round). */
  readonly lastOperationRatio: number;
  readonly catalogRatio: number;
}

function summary(result: autocannon.Result): LoadResult {
  return {
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function medianOf(results: readonly LoadResult[]): LoadResult {
  return {
    requestsPerSec: median(results.map((r) => r.requestsPerSec)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

async function load(url: string, durationSec: number, connections: number, paths?: () => string): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: durationSec,
    headers: { ...OSB_HEADERS },
    ...(paths !== undefined && { requests: [{ setupRequest: (request) => ({ ...request, path: paths() }) }] }),
  });
  return summary(result);
}

/** Seeds provisioned instances straight through the storage API, as if each had been applied. */
async function seedInstances(dataDir: string, databaseUrl: string | undefined, count: number, plan: CatalogPlan): Promise<void> {
  const storage = await openStorage({
    dataDir,
    ...(databaseUrl !== undefined && { databaseUrl }),
    secretBox: new SecretBox(Buffer.from(BENCH_ENCRYPTION_KEY, 'hex')),
  });
  try {
    for (let i = 0; i < count; i++) {
      const request = { serviceId: plan.serviceId, planId: plan.id, parameters: {}, context: {} };
      const began = await storage.beginOperation({
        kind: 'provision',
        instance: { id: `seeded-${i}`, serviceId: plan.serviceId, planId: plan.id, parameters: {}, context: {} },
        request,
        description: 'Queued',
      });
      await storage.claimOperation(began.operation.id);
      await storage.completeOperation(began.operation.id, {
        state: 'succeeded',
        description: 'Provisioned',
        instance: { outputs: { execution_http_url: `http://execution.seeded-${i}.sandbox.invalid:8545` } },
      });
    }
  } finally {
    await storage.close();
  }
}

/** The Express hello-world baseline as its own process. */
async function startHello(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = track(spawn(process.execPath, [join(packageRoot(), 'dist', 'bench', 'hello.js'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`hello-world exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/hello`, stop: () => child.kill('SIGKILL') };
}

/** A platform polls with a few connections; more only queue up behind two cores shared with the load generator. */
export const CONNECTIONS = 4;

export async function loadBench(engine: 'sqlite' | 'postgres', quick: boolean, databaseUrl?: string): Promise<LoadFigures> {
  const plan = sandboxPlan();
  const instances = 1000;
  const durationSec = quick ? 3 : 5;
  const rounds = quick ? 1 : 3;
  const dataDir = tempDir(`load-${engine}`);
  await seedInstances(dataDir, databaseUrl, instances, plan);
  const broker = await startBrokerProcess({ dataDir, ...(databaseUrl !== undefined && { databaseUrl }) });
  const hello = await startHello();
  let next = 0;
  const pollPaths = () => {
    next = (next + 7919) % instances;
    return `/v2/service_instances/seeded-${next}/last_operation`;
  };
  try {
    // Warm both servers (JIT, statement caches) before anything counts.
    await load(hello.url, 1, CONNECTIONS);
    await load(`${broker.base}/v2/service_instances/seeded-0/last_operation`, 1, CONNECTIONS, pollPaths);
    const hellos: LoadResult[] = [];
    const polls: LoadResult[] = [];
    const catalogs: LoadResult[] = [];
    // Rounds interleave the endpoints, so a noisy moment on the machine hits all of them alike.
    for (let round = 0; round < rounds; round++) {
      hellos.push(await load(hello.url, durationSec, CONNECTIONS));
      polls.push(await load(`${broker.base}/v2/service_instances/seeded-0/last_operation`, durationSec, CONNECTIONS, pollPaths));
      // The catalog is megabytes (729 plans with their schemas): fewer connections, same duration.
      catalogs.push(await load(`${broker.base}/v2/catalog`, durationSec, 2));
    }
    const ratios = (results: readonly LoadResult[]) => median(results.map((r, i) => r.requestsPerSec / hellos[i]!.requestsPerSec));
    return {
      engine,
      instances,
      durationSec,
      rounds,
      hello: medianOf(hellos),
      lastOperation: medianOf(polls),
      catalog: medianOf(catalogs),
      lastOperationRatio: ratios(polls),
      catalogRatio: ratios(catalogs),
    };
  } finally {
    hello.stop();
    await broker.stop();
  }
}

export interface ConcurrencyFigures {
  readonly instances: number;
  readonly runs: number;
  /** Median over the runs. */
  readonly totalSec: number;
  /** Sums over the runs. */
  readonly succeeded: number;
  readonly failed: number;
  /** Median over the runs of each run's peak. */
  readonly peakRssMiB: number;
  /** RSS (MiB) of the broker when this many provisions had finished (median over the runs). */
  readonly rssAtMiB: readonly { readonly done: number; readonly rssMiB: number }[];
  readonly maxConcurrentApplies: number;
}

interface ConcurrencyRun {
  readonly totalSec: number;
  readonly succeeded: number;
  readonly peakRssMiB: number;
  readonly rssAtMiB: readonly { readonly done: number; readonly rssMiB: number }[];
}

async function concurrencyRun(plan: CatalogPlan, count: number, maxConcurrentApplies: number): Promise<ConcurrencyRun> {
  const broker = await startBrokerProcess({ dataDir: tempDir('concurrent'), maxConcurrentApplies });
  const rss = sampleRss(broker.pid);
  const milestones = [0.25, 0.5, 0.75, 1].map((f) => Math.round(f * count));
  const rssAt: { done: number; rssMiB: number }[] = [];
  const started = performance.now();
  try {
    const ids = Array.from({ length: count }, (_, i) => `concurrent-${i}`);
    // Every PUT at once, as a platform's burst would arrive.
    const answers = await Promise.all(ids.map((id) => osb(broker.base, 'PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody(plan))));
    const states = new Map<string, string>();
    answers.forEach((answer, i) => {
      if (answer.status !== 202) states.set(ids[i]!, 'refused');
    });
    await waitFor(
      'concurrent provisions',
      async () => {
        const pending = ids.filter((id) => states.get(id) === undefined);
        for (const id of pending) {
          const polled = await osb(broker.base, 'GET', `/v2/service_instances/${id}/last_operation`);
          const state = polled.body['state'];
          if (state === 'succeeded' || state === 'failed') states.set(id, state);
        }
        while (milestones.length > 0 && states.size >= milestones[0]!) {
          rssAt.push({ done: milestones.shift()!, rssMiB: (rssKiB(broker.pid) ?? 0) / 1024 });
        }
        return states.size === count;
      },
      500,
      30 * 60_000,
    );
    const totalSec = (performance.now() - started) / 1000;
    const succeeded = [...states.values()].filter((s) => s === 'succeeded').length;
    return { totalSec, succeeded, peakRssMiB: rss.peak() / 1024, rssAtMiB: rssAt };
  } finally {
    rss.stop();
    await broker.stop();
  }
}

export async function concurrencyBench(quick: boolean): Promise<ConcurrencyFigures> {
  const plan = sandboxPlan();
  const count = quick ? 20 : 200;
  const runs = quick ? 1 : 3;
  const maxConcurrentApplies = 4;
  const results: ConcurrencyRun[] = [];
  for (let i = 0; i < runs; i++) results.push(await concurrencyRun(plan, count, maxConcurrentApplies));
  const succeeded = results.reduce((sum, r) => sum + r.succeeded, 0);
  return {
    instances: count,
    runs,
    totalSec: median(results.map((r) => r.totalSec)),
    succeeded,
    failed: count * runs - succeeded,
    peakRssMiB: median(results.map((r) => r.peakRssMiB)),
    rssAtMiB: (results[0]?.rssAtMiB ?? []).map(({ done }, i) => ({ done, rssMiB: median(results.map((r) => r.rssAtMiB[i]?.rssMiB ?? 0)) })),
    maxConcurrentApplies,
  };
}
