/**
 * terraform-provider-ovsb figures: provider launch to handshake line (terraform launches it 3-5 times per
 * command), a no-change `terraform plan` of one instance against one `terraform_data`, and `terraform
 * apply` of one sandbox instance against the broker's own PUT-to-succeeded, measured side by side.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadCatalog, packageRoot } from '../src/catalog/load';
import { createServerCertificate } from '../src/provider/transport/certificate';
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from '../src/provider/transport/plugin-server';
import { cliMain, startBrokerProcess } from './broker-process';
import { CREDENTIALS, median, osb, runOk, tempDir, track } from './measure';

/** An RPC sandbox plan: any number pass the diversity policy. */
// A pair whose releases follow hoodi's scheduled Glamsterdam: others refuse provisions near the fork.
export const PROVIDER_BENCH_PLAN = 'nethermind-prysm-rpc-sandbox-hoodi';

export interface ProviderFigures {
  readonly launchMedianMs: number;
  readonly launchRuns: number;
  readonly planMedianSec: number;
  readonly planBaselineMedianSec: number;
  readonly planRuns: number;
  readonly applyMedianSec: number;
  readonly putMedianSec: number;
  readonly applyRuns: number;
}

/** Spawn to the handshake line on stdout, with terraform's environment (AutoMTLS on). */
async function launchOnce(clientCertPem: string): Promise<number> {
  const started = performance.now();
  const child = track(
    spawn(process.execPath, [join(packageRoot(), 'dist', 'src', 'provider', 'main.js')], {
      env: { PATH: process.env['PATH'], [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '5,6', PLUGIN_CLIENT_CERT: clientCertPem },
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const ms = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', () => resolve(performance.now() - started));
    child.once('exit', (code) => reject(new Error(`provider exited ${code} before its handshake`)));
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

async function provisionOnce(base: string, serviceId: string, planId: string, id: string): Promise<number> {
  const started = performance.now();
  const put = await osb(base, 'PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, { service_id: serviceId, plan_id: planId, organization_guid: 'bench-org', space_guid: 'bench-space' });
  if (put.status !== 202) throw new Error(`provision ${id}: ${put.status} ${JSON.stringify(put.body)}`);
  for (;;) {
    const polled = await osb(base, 'GET', `/v2/service_instances/${id}/last_operation`);
    if (polled.body['state'] === 'succeeded') return (performance.now() - started) / 1000;
    if (polled.body['state'] === 'failed') throw new Error(`provision ${id} failed: ${String(polled.body['description'])}`);
    await sleep(5);
  }
}

export async function providerBench(quick: boolean): Promise<ProviderFigures> {
  const launchRuns = quick ? 5 : 15;
  const cert = createServerCertificate().certPem;
  await launchOnce(cert); // warm the file cache
  const launches: number[] = [];
  for (let i = 0; i < launchRuns; i++) launches.push(await launchOnce(cert));

  const plan = loadCatalog().findPlanByRef(PROVIDER_BENCH_PLAN);
  if (plan === undefined) throw new Error(`the bundled catalog has no plan ${PROVIDER_BENCH_PLAN}`);
  const dir = tempDir('provider');
  const install = await runOk(process.execPath, [cliMain(), 'provider', 'install', join(dir, 'mirror')]);
  const cliConfig = join(dir, 'terraform.rc');
  writeFileSync(cliConfig, install.stdout);
  const broker = await startBrokerProcess({ dataDir: tempDir('provider-broker') });
  const env = {
    PATH: process.env['PATH'],
    HOME: dir,
    TF_CLI_CONFIG_FILE: cliConfig,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    OVSB_URL: broker.base,
    OVSB_USERNAME: CREDENTIALS.username,
    OVSB_PASSWORD: CREDENTIALS.password,
  };
  const tf = (cwd: string, ...args: string[]) => runOk('terraform', [...args, '-input=false', '-no-color'], { cwd, env });
  const workdir = (name: string, mainTf: string): string => {
    const path = tempDir(`provider-${name}`);
    writeFileSync(join(path, 'main.tf'), mainTf);
    return path;
  };
  const instanceTf = (id: string) => `
terraform {
  required_providers {
    ovsb = { source = "ovsb.local/ovsb/ovsb" }
  }
}
provider "ovsb" {}
resource "ovsb_service_instance" "node" {
  instance_id = "${id}"
  service     = "${plan.serviceName}"
  plan        = "${plan.name}"
}
`;
  const planRuns = quick ? 3 : 7;
  const applyRuns = quick ? 2 : 5;
  const plans: number[] = [];
  const baselines: number[] = [];
  const applies: number[] = [];
  const puts: number[] = [];
  try {
    const ours = workdir('plan', instanceTf('bench-plan'));
    const baseline = workdir('baseline', 'resource "terraform_data" "node" {\n  input = "x"\n}\n');
    for (const path of [ours, baseline]) {
      await tf(path, 'init');
      await tf(path, 'apply', '-auto-approve');
    }
    for (let i = 0; i < planRuns; i++) {
      plans.push((await tf(ours, 'plan', '-detailed-exitcode')).ms / 1000);
      baselines.push((await tf(baseline, 'plan', '-detailed-exitcode')).ms / 1000);
    }
    for (let i = 0; i < applyRuns; i++) {
      const path = workdir(`apply-${i}`, instanceTf(`bench-apply-${i}`));
      await tf(path, 'init');
      applies.push((await tf(path, 'apply', '-auto-approve')).ms / 1000);
      puts.push(await provisionOnce(broker.base, plan.serviceId, plan.id, `bench-put-${i}`));
    }
  } finally {
    await broker.stop();
  }
  return {
    launchMedianMs: median(launches),
    launchRuns,
    planMedianSec: median(plans),
    planBaselineMedianSec: median(baselines),
    planRuns,
    applyMedianSec: median(applies),
    putMedianSec: median(puts),
    applyRuns,
  };
}
