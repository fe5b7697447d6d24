/**
 * The reliability suite (`npm run chaos`, and a small subset in `npm test`): the compiled broker as
 * operators run it, on loopback only, every scenario bounded in count and time.
 *
 * - kills: kill -9 of the broker at random points of provisions, updates and deprovisions, then a
 *   restart on the same data dir / database; every operation must end (succeeded or failed), none lost
 *   or stuck, and no terraform process or workspace may be left over.
 * - replicas: two brokers on one PostgreSQL (pg backend), one killed mid-batch: no operation run by two
 *   replicas at once (double apply), none lost, and the time until the survivor finished the dead one's.
 * - malformed: many malformed requests across every route (invalid JSON, deep nesting, huge bodies, odd
 *   ids, bad headers, schema violations): a status histogram, the 5xx count (target 0), RSS before/after.
 * - secrets: logs, operation descriptions, the audit trail and the catalog must not contain a secret.
 */
import { readdirSync, readFileSync, readlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadCatalog } from '../src/catalog/load';
import type { NodePlan } from '../src/catalog/model';
import { startBrokerProcess, type BrokerProcess } from './broker-process';
import { CREDENTIALS, OSB_HEADERS, osb, rssKiB, tempDir } from './measure';


/** A deterministic pseudo-random sequence, so a run can be repeated. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** A hoodi sandbox RPC plan whose releases follow every scheduled fork (others are refused near a fork). */
function sandboxPlans(): { rpc: NodePlan } {
  const catalog = loadCatalog();
  const rpc = catalog.plans.find(
    (p): p is NodePlan => p.kind === 'node' && p.target === 'sandbox' && p.role === 'rpc' && !p.lido && p.network === 'hoodi' && catalog.forkChecks(p).every((c) => c.ready),
  );
  if (rpc === undefined) throw new Error('the bundled catalog has no fork-ready hoodi sandbox rpc plan');
  return { rpc };
}

/** An update that changes no data volume. */
const CHECKPOINT = 'https://checkpoint.example.org';

export type Outcome = 'succeeded' | 'failed' | 'stuck' | 'lost';

export interface KillFigures {
  readonly backend: 'local' | 'pg';
  readonly operations: number;
  readonly kills: number;
  readonly outcomes: Readonly<Record<Outcome, number>>;
  readonly leftoverTerraform: number;
  readonly leftoverWorkspaces: number;
  readonly seconds: number;
  /** Descriptions of failed operations (first few), for the report. */
  readonly failures: readonly string[];
}

/** Terraform processes whose working directory is under `root`. */
export function terraformProcessesUnder(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readlinkSync(`/proc/${entry}/cwd`).startsWith(root)) continue;
      const argv0 = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (/(^|\/)terraform$/.test(argv0)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

const workspacesIn = (dataDir: string): string[] => {
  const root = join(dataDir, 'workspaces');
  return existsSync(root) ? readdirSync(root).filter((name) => name.startsWith('ws-')) : [];
};

async function lastOperation(base: string, instanceId: string, operation?: string): Promise<{ status: number; state?: string; description?: string }> {
  const query = operation === undefined ? '' : `?operation=${encodeURIComponent(operation)}`;
  const res = await osb(base, 'GET', `/v2/service_instances/${instanceId}/last_operation${query}`);
  return { status: res.status, ...(typeof res.body['state'] === 'string' && { state: res.body['state'] }), ...(typeof res.body['description'] === 'string' && { description: res.body['description'] }) };
}

export interface KillOptions {
  readonly backend: 'local' | 'pg';
  /** Required for the pg backend: an empty database of a loopback PostgreSQL. */
  readonly databaseUrl?: string;
  /** Instances; each gets a provision, an update and a deprovision (3 operations). */
  readonly instances: number;
  /** Chance that the broker is killed during an operation. */
  readonly killChance: number;
  readonly seed: number;
  /** Longest wait for one operation to end after the last restart. */
  readonly operationTimeoutMs?: number;
  readonly logFile?: string;
}

/**
 * Runs every instance through provision -> update -> deprovision, one operation at a time, killing the
 * broker (SIGKILL) at a random point of an operation with `killChance` and starting a new one on the same
 * data dir / database, which must finish it.
 */
export async function killScenario(options: KillOptions): Promise<KillFigures> {
  const started = performance.now();
  const rand = random(options.seed);
  const dataDir = tempDir(`chaos-kill-${options.backend}`);
  const { rpc } = sandboxPlans();
  const start = () =>
    startBrokerProcess({
      dataDir,
      ...(options.databaseUrl !== undefined && { databaseUrl: options.databaseUrl }),
      maxConcurrentApplies: 2,
      extraEnv: { OVSB_TF_BACKEND: options.backend, OVSB_TF_INTERRUPT_GRACE_SEC: '2' },
      ...(options.logFile !== undefined && { logFile: options.logFile }),
    });
  let broker: BrokerProcess = await start();
  const outcomes: Record<Outcome, number> = { succeeded: 0, failed: 0, stuck: 0, lost: 0 };
  const failures: string[] = [];
  let kills = 0;
  let operations = 0;
  const timeoutMs = options.operationTimeoutMs ?? 120_000;

  const runOperation = async (instanceId: string, send: () => Promise<{ status: number; body: Record<string, unknown> }>): Promise<void> => {
    operations += 1;
    const accepted = await send();
    if (accepted.status !== 202) {
      outcomes.failed += 1;
      failures.push(`${instanceId}: answered ${accepted.status} ${JSON.stringify(accepted.body).slice(0, 200)}`);
      return;
    }
    const operation = typeof accepted.body['operation'] === 'string' ? accepted.body['operation'] : undefined;
    if (rand() < options.killChance) {
      await sleep(Math.floor(rand() * 1500));
      process.kill(broker.pid, 'SIGKILL');
      await waitExit(broker.pid);
      kills += 1;
      broker = await start();
    }
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const polled = await lastOperation(broker.base, instanceId, operation);
      if (polled.status === 404 || polled.status === 410) {
        outcomes.lost += 1;
        failures.push(`${instanceId}: last_operation ${polled.status} after 202`);
        return;
      }
      if (polled.state === 'succeeded' || polled.state === 'failed') {
        outcomes[polled.state] += 1;
        if (polled.state === 'failed') failures.push(`${instanceId}: ${polled.description ?? ''}`.slice(0, 300));
        return;
      }
      if (performance.now() > deadline) {
        outcomes.stuck += 1;
        failures.push(`${instanceId}: still in progress after ${timeoutMs / 1000} s: ${polled.description ?? ''}`);
        return;
      }
      await sleep(100);
    }
  };

  try {
    for (let i = 0; i < options.instances; i += 1) {
      const id = `chaos-${options.backend}-${options.seed}-${i}`;
      const path = `/v2/service_instances/${id}?accepts_incomplete=true`;
      await runOperation(id, () => osb(broker.base, 'PUT', path, { service_id: rpc.serviceId, plan_id: rpc.id, organization_guid: 'org', space_guid: 'space', parameters: {} }));
      await runOperation(id, () => osb(broker.base, 'PATCH', path, { service_id: rpc.serviceId, parameters: { checkpoint_sync_url: `${CHECKPOINT}/${i}` } }));
      await runOperation(id, () => osb(broker.base, 'DELETE', `${path}&service_id=${rpc.serviceId}&plan_id=${rpc.id}`));
    }
  } finally {
    await broker.stop();
  }
  // Left over once every instance is deprovisioned and the broker stopped.
  const leftoverTerraform = terraformProcessesUnder(dataDir).length;
  const leftoverWorkspaces = workspacesIn(dataDir).length;
  return { backend: options.backend, operations, kills, outcomes, leftoverTerraform, leftoverWorkspaces, seconds: (performance.now() - started) / 1000, failures: failures.slice(0, 5) };
}

async function waitExit(pid: number): Promise<void> {
  for (let i = 0; i < 100 && rssKiB(pid) !== undefined; i += 1) await sleep(20);
}

export interface ReplicaFigures {
  readonly provisions: number;
  readonly outcomes: Readonly<Record<Outcome, number>>;
  readonly doubleApplies: number;
  /** From the kill until the survivor finished every operation the dead replica had begun. */
  readonly takeoverSeconds: number;
  readonly takenOver: number;
  readonly seconds: number;
}

interface LogLine {
  /** ISO time (src/log.ts). */
  readonly time?: string;
  readonly msg?: string;
  readonly operationId?: string;
  readonly pid?: number;
}

const readLog = (file: string): LogLine[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine)
    : [];

/**
 * Two replicas on one PostgreSQL with the pg backend; `provisions` sent alternately to both; replica A is
 * killed once half were sent. A double apply is one operation running on both replicas at overlapping
 * times (from their logs: "operation started" to "operation finished", or the kill).
 */
export async function replicaScenario(options: { readonly databaseUrl: string; readonly provisions: number; readonly seed: number; readonly logDir: string }): Promise<ReplicaFigures> {
  const started = performance.now();
  const { rpc } = sandboxPlans();
  const logs = [join(options.logDir, 'replica-a.log'), join(options.logDir, 'replica-b.log')] as const;
  const replica = (logFile: string) =>
    startBrokerProcess({ dataDir: tempDir('chaos-replica'), databaseUrl: options.databaseUrl, maxConcurrentApplies: 2, extraEnv: { OVSB_TF_INTERRUPT_GRACE_SEC: '2' }, logFile });
  const a = await replica(logs[0]);
  const b = await replica(logs[1]);
  const ids: string[] = [];
  let killedAt = 0;
  try {
    for (let i = 0; i < options.provisions; i += 1) {
      const id = `replica-${options.seed}-${i}`;
      ids.push(id);
      const target = i % 2 === 0 || killedAt > 0 ? b : a;
      const res = await osb(target.base, 'PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, {
        service_id: rpc.serviceId,
        plan_id: rpc.id,
        organization_guid: 'org',
        space_guid: 'space',
      });
      if (res.status !== 202) throw new Error(`provision ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
      if (i === Math.floor(options.provisions / 2)) {
        await sleep(300);
        process.kill(a.pid, 'SIGKILL');
        await waitExit(a.pid);
        killedAt = Date.now();
      }
    }
    const outcomes: Record<Outcome, number> = { succeeded: 0, failed: 0, stuck: 0, lost: 0 };
    const deadline = performance.now() + 180_000;
    const pending = new Set(ids);
    while (pending.size > 0 && performance.now() < deadline) {
      for (const id of [...pending]) {
        const polled = await lastOperation(b.base, id);
        if (polled.status === 404) {
          outcomes.lost += 1;
          pending.delete(id);
        } else if (polled.state === 'succeeded' || polled.state === 'failed') {
          outcomes[polled.state] += 1;
          pending.delete(id);
        }
      }
      if (pending.size > 0) await sleep(200);
    }
    outcomes.stuck += pending.size;
    // Who ran what, when: the dead replica's runs end at the kill.
    const runs = new Map<string, { replica: number; from: number; to: number }[]>();
    logs.forEach((file, replicaIndex) => {
      const open = new Map<string, number>();
      for (const line of readLog(file)) {
        if (line.operationId === undefined || line.time === undefined) continue;
        const time = Date.parse(line.time);
        if (line.msg === 'operation started') open.set(line.operationId, time);
        if (line.msg === 'operation finished' || line.msg === 'operation interrupted; it will be resumed') {
          const from = open.get(line.operationId);
          if (from !== undefined) (runs.get(line.operationId) ?? runs.set(line.operationId, []).get(line.operationId)!).push({ replica: replicaIndex, from, to: time });
          open.delete(line.operationId);
        }
      }
      for (const [operationId, from] of open) {
        (runs.get(operationId) ?? runs.set(operationId, []).get(operationId)!).push({ replica: replicaIndex, from, to: replicaIndex === 0 ? killedAt : Date.now() });
      }
    });
    let doubleApplies = 0;
    let takenOver = 0;
    let takeoverEnd = killedAt;
    for (const list of runs.values()) {
      const overlap = list.some((x, i) => list.some((y, j) => j > i && x.replica !== y.replica && x.from < y.to && y.from < x.to));
      if (overlap) doubleApplies += 1;
      if (list.some((r) => r.replica === 0) && list.some((r) => r.replica === 1)) {
        takenOver += 1;
        takeoverEnd = Math.max(takeoverEnd, ...list.filter((r) => r.replica === 1).map((r) => r.to));
      }
    }
    // Clean up: deprovision everything through the survivor.
    for (const id of ids) await osb(b.base, 'DELETE', `/v2/service_instances/${id}?accepts_incomplete=true&service_id=${rpc.serviceId}&plan_id=${rpc.id}`);
    return {
      provisions: ids.length,
      outcomes,
      doubleApplies,
      takenOver,
      takeoverSeconds: takenOver === 0 ? 0 : (takeoverEnd - killedAt) / 1000,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await b.stop();
    if (rssKiB(a.pid) !== undefined) await a.stop();
  }
}

export interface MalformedFigures {
  readonly requests: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly serverErrors: number;
  /** Requests answered with a network error (connection reset before any answer). */
  readonly networkErrors: number;
  /** Categories of the requests that got no answer. */
  readonly networkErrorCategories: Readonly<Record<string, number>>;
  readonly rssBeforeKiB: number;
  readonly rssAfterKiB: number;
  readonly categories: Readonly<Record<string, number>>;
  readonly seconds: number;
}

interface Malformed {
  readonly category: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer;
}

const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** The malformed request number `n` (categories cycle; details vary with the random source). */
export function malformedRequest(n: number, rand: () => number, known: { serviceId: string; planId: string; instanceId: string }): Malformed {
  const json = { ...OSB_HEADERS, 'Content-Type': 'application/json' };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const instancePath = (id: string) => `/v2/service_instances/${id}?accepts_incomplete=true`;
  const routes = [
    ['PUT', instancePath(`m-${n}`)],
    ['PATCH', instancePath(known.instanceId)],
    ['DELETE', `${instancePath(known.instanceId)}&service_id=x&plan_id=y`],
    ['GET', `/v2/service_instances/${known.instanceId}`],
    ['GET', `/v2/service_instances/${known.instanceId}/last_operation`],
    ['PUT', `/v2/service_instances/${known.instanceId}/service_bindings/b-${n}`],
    ['GET', `/v2/service_instances/${known.instanceId}/service_bindings/b-${n}`],
    ['DELETE', `/v2/service_instances/${known.instanceId}/service_bindings/b-${n}?service_id=x&plan_id=y`],
    ['GET', `/v2/service_instances/${known.instanceId}/service_bindings/b-${n}/last_operation`],
    ['GET', '/v2/catalog'],
    ['POST', '/introspect'],
    ['GET', '/audit?limit=5'],
    ['GET', '/diversity/suggestions?network=hoodi&role=rpc'],
    ['GET', `/dashboard/instances/${n}`],
  ] as const;
  const [method, path] = pick(routes);
  const valid = { service_id: known.serviceId, plan_id: known.planId, organization_guid: 'o', space_guid: 's' };
  switch (n % 8) {
    case 0:
      return { category: 'invalid JSON', method, path, headers: json, body: pick(['{', '{"service_id":', '[1,2', 'nul', '{"a":1}}', '\u0000\u0001', '{"a":"\\ud800"}', "{'a':1}"]) };
    case 1:
      return { category: 'deep nesting', method, path, headers: json, body: `{"parameters":${nested(pick([40, 1_000, 3_500, 6_000]))},"context":${nested(pick([33, 4_000]))}}` };
    case 2:
      return { category: 'huge body', method, path, headers: json, body: Buffer.alloc(pick([300_000, 1_100_000]), 0x20) };
    case 3: {
      const odd = pick(['%', '%zz', '..%2F..', 'x'.repeat(300), '%F0%9F%92%A5', '%00', 'a%2Fb', '%E2%80%AE', '..', '~~', '*', '%25']);
      return { category: 'odd ids', method: pick(['GET', 'PUT', 'DELETE', 'PATCH']), path: `/v2/service_instances/${odd}?accepts_incomplete=true`, headers: json, body: JSON.stringify(valid) };
    }
    case 4: {
      const headers = pick<Record<string, string>>([
        { 'X-Broker-API-Version': '2.17', 'Content-Type': 'application/json' },
        { ...json, 'X-Broker-API-Version': '1.0' },
        { ...json, Authorization: 'Basic ' + Buffer.from(`${CREDENTIALS.username}:wrong-password`).toString('base64') },
        { ...json, Authorization: 'Bearer x' },
        { ...json, 'X-Broker-API-Originating-Identity': 'kubernetes !!notbase64' },
        { ...json, 'X-Broker-API-Originating-Identity': `kubernetes ${Buffer.from(nested(1_200)).toString('base64')}` },
        { ...json, 'X-Broker-API-Originating-Identity': `kubernetes ${Buffer.from('[1]').toString('base64')}` },
        { ...json, 'X-Broker-API-Request-Identity': 'é'.repeat(40) },
        { ...json, 'Content-Type': 'application/json; charset=latin1' },
        { ...json, 'Content-Encoding': 'br' },
        { ...json, 'Content-Type': 'text/plain' },
      ]);
      return { category: 'bad headers', method, path, headers, body: JSON.stringify(valid) };
    }
    case 5: {
      const body = pick<Record<string, unknown>>([
        { ...valid, service_id: 42 },
        { ...valid, plan_id: null },
        { ...valid, parameters: 'x' },
        { ...valid, parameters: { fee_recipient: 12 } },
        { ...valid, parameters: { execution_storage_gi: -1 } },
        { ...valid, context: [] },
        { ...valid, organization_guid: '' },
        { ...valid, maintenance_info: { version: 7 } },
        { ...valid, bind_resource: 'app' },
        { ...valid, parameters: { scopes: ['pool:validator.*:write.exit'] } },
        { ...valid, service_id: 'unknown-service' },
        { ...valid, predecessor_binding_id: 'nope' },
        { token: { $ne: 1 } },
      ]);
      return { category: 'schema violations', method, path, headers: json, body: JSON.stringify(body) };
    }
    case 6:
      return { category: 'wrong methods', method: pick(['POST', 'PUT', 'OPTIONS', 'PATCH', 'DELETE']), path: pick(['/v2/catalog', '/live', '/v2', '/v2/service_instances', '/metrics', '/nope']), headers: json, body: '{}' };
    default:
      return { category: 'bad query values', method, path: `${path}${path.includes('?') ? '&' : '?'}${pick(['accepts_incomplete=maybe', 'service_id=&plan_id=', 'service_id=a&service_id=b', 'operation=%', 'limit=99999', 'since=yesterday', 'plan_id[]=x'])}`, headers: json, body: JSON.stringify(valid) };
  }
}

/** Sends `count` malformed requests, `concurrency` at a time, to a broker that has one provisioned instance. */
export async function malformedScenario(options: { readonly count: number; readonly concurrency: number; readonly seed: number; readonly dataDir?: string; readonly logFile?: string }): Promise<MalformedFigures & { broker: { base: string } }> {
  const started = performance.now();
  const rand = random(options.seed);
  const { rpc } = sandboxPlans();
  const broker = await startBrokerProcess({ dataDir: options.dataDir ?? tempDir('chaos-malformed'), maxConcurrentApplies: 2, logLevel: 'warn', ...(options.logFile !== undefined && { logFile: options.logFile }) });
  try {
    const instanceId = `malformed-target-${options.seed}`;
    const provisioned = await osb(broker.base, 'PUT', `/v2/service_instances/${instanceId}?accepts_incomplete=true`, { service_id: rpc.serviceId, plan_id: rpc.id, organization_guid: 'o', space_guid: 's' });
    if (provisioned.status !== 202) throw new Error(`the target instance was not accepted: ${provisioned.status}`);
    for (let i = 0; i < 600; i += 1) {
      if ((await lastOperation(broker.base, instanceId)).state !== 'in progress') break;
      await sleep(100);
    }
    const rssBeforeKiB = rssKiB(broker.pid) ?? 0;
    const statuses: Record<string, number> = {};
    const categories: Record<string, number> = {};
    let networkErrors = 0;
    const networkErrorCategories: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      for (;;) {
        const n = next++;
        if (n >= options.count) return;
        const request = malformedRequest(n, rand, { serviceId: rpc.serviceId, planId: rpc.id, instanceId });
        categories[request.category] = (categories[request.category] ?? 0) + 1;
        try {
          const response = await fetch(`${broker.base}${request.path}`, {
            method: request.method,
            headers: request.headers,
            ...(request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD' && { body: request.body }),
            signal: AbortSignal.timeout(30_000),
          });
          await response.arrayBuffer();
          statuses[String(response.status)] = (statuses[String(response.status)] ?? 0) + 1;
        } catch {
          networkErrors += 1;
          networkErrorCategories[request.category] = (networkErrorCategories[request.category] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const rssAfterKiB = rssKiB(broker.pid) ?? 0;
    const serverErrors = Object.entries(statuses)
      .filter(([status]) => status.startsWith('5'))
      .reduce((sum, [, n]) => sum + n, 0);
    return { requests: options.count, statuses, serverErrors, networkErrors, networkErrorCategories, rssBeforeKiB, rssAfterKiB, categories, seconds: (performance.now() - started) / 1000, broker };
  } finally {
    await broker.stop();
  }
}

export interface SecretsFigures {
  readonly secretsChecked: number;
  readonly placesScanned: readonly string[];
  readonly bytesScanned: number;
  readonly leaks: readonly string[];
}

/**
 * Binds on a fresh broker (tokens issued), then looks for every secret it knows (broker and
 * introspection passwords, the encryption key, each token and its base64) in the broker's log, the
 * operation descriptions, the audit trail and the catalog.
 */
export async function secretsScenario(options: { readonly logFiles: readonly string[] }): Promise<SecretsFigures> {
  const { rpc } = sandboxPlans();
  const dataDir = tempDir('chaos-secrets');
  const logFile = join(dataDir, 'broker.log');
  const introspectPassword = 'chaos-introspect-password-0123';
  const encryptionKey = 'ab'.repeat(32);
  const broker = await startBrokerProcess({
    dataDir,
    logLevel: 'debug',
    logFile,
    extraEnv: { OVSB_INTROSPECT_PASSWORD: introspectPassword, OVSB_ENCRYPTION_KEY: encryptionKey },
  });
  const tokens: string[] = [];
  let audit = '';
  let catalog = '';
  try {
    const id = 'secrets-1';
    const path = `/v2/service_instances/${id}`;
    await osb(broker.base, 'PUT', `${path}?accepts_incomplete=true`, { service_id: rpc.serviceId, plan_id: rpc.id, organization_guid: 'o', space_guid: 's' });
    for (let i = 0; i < 600 && (await lastOperation(broker.base, id)).state === 'in progress'; i += 1) await sleep(100);
    for (const b of ['b1', 'b2']) {
      const bound = await osb(broker.base, 'PUT', `${path}/service_bindings/${b}`, { service_id: rpc.serviceId, plan_id: rpc.id });
      const token = (bound.body['credentials'] as { token?: string } | undefined)?.token;
      if (typeof token === 'string') tokens.push(token);
    }
    const rotated = await osb(broker.base, 'PUT', `${path}/service_bindings/b3`, { predecessor_binding_id: 'b1' });
    const rotatedToken = (rotated.body['credentials'] as { token?: string } | undefined)?.token;
    if (typeof rotatedToken === 'string') tokens.push(rotatedToken);
    await osb(broker.base, 'DELETE', `${path}/service_bindings/b1?service_id=${rpc.serviceId}&plan_id=${rpc.id}`);
    for (const token of tokens) {
      await fetch(`${broker.base}/introspect`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`introspect:${introspectPassword}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `token=${encodeURIComponent(token)}`,
      });
    }
    await osb(broker.base, 'DELETE', `${path}?accepts_incomplete=true&service_id=${rpc.serviceId}&plan_id=${rpc.id}`);
    for (let i = 0; i < 600 && (await lastOperation(broker.base, id)).state === 'in progress'; i += 1) await sleep(100);
    audit = JSON.stringify((await osb(broker.base, 'GET', '/audit?limit=1000')).body);
    catalog = JSON.stringify((await osb(broker.base, 'GET', '/v2/catalog')).body);
  } finally {
    await broker.stop();
  }
  const secrets = [CREDENTIALS.password, introspectPassword, encryptionKey, ...tokens].flatMap((secret) => [secret, Buffer.from(secret).toString('base64')]);
  const places: [string, string][] = [
    ['broker log (debug level)', readFileSync(logFile, 'utf8')],
    ['operation descriptions and audit trail (GET /audit)', audit],
    ['catalog (GET /v2/catalog)', catalog],
    ...options.logFiles.filter((file) => existsSync(file)).map((file): [string, string] => [`log of ${file.split('/').at(-1)}`, readFileSync(file, 'utf8')]),
  ];
  const leaks: string[] = [];
  for (const [place, text] of places) for (const secret of secrets) if (text.includes(secret)) leaks.push(`${place} contains a secret (${secret.slice(0, 4)}...)`);
  return { secretsChecked: secrets.length, placesScanned: places.map(([place]) => place), bytesScanned: places.reduce((sum, [, text]) => sum + text.length, 0), leaks };
}
