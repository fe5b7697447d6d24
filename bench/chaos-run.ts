/**
 * `npm run chaos`: the reliability suite (bench/chaos.ts) against the compiled broker on loopback, with
 * a throwaway PostgreSQL; writes RELIABILITY.md. Bounded: fixed counts, each wait has a deadline.
 * `CHAOS_SCALE=0.2` runs a fifth of every count (a quick look; the report says so).
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/catalog/load';
import { startPostgres, type TestPostgres } from '../test/support/postgres';
import { killScenario, malformedScenario, replicaScenario, secretsScenario, type KillFigures, type MalformedFigures, type ReplicaFigures, type SecretsFigures } from './chaos';
import { cleanUp, tempDir } from './measure';

const SCALE = Number(process.env['CHAOS_SCALE'] ?? '1');
const scaled = (n: number): number => Math.max(1, Math.round(n * SCALE));
const COUNTS = { killInstances: scaled(20), replicaProvisions: scaled(60), malformed: scaled(12_000) } as const;
const SEED = 20261206;

function killRow(f: KillFigures): string {
  const o = f.outcomes;
  return `| ${f.backend} | ${f.operations} | ${f.kills} | ${o.succeeded} | ${o.failed} | ${o.stuck} | ${o.lost} | ${f.leftoverTerraform} | ${f.leftoverWorkspaces} | ${f.seconds.toFixed(0)} |`;
}

function report(kills: readonly KillFigures[], replicas: ReplicaFigures, malformed: MalformedFigures, secrets: SecretsFigures, seconds: number): string {
  const targets = [
    ['kill -9: lost', kills.reduce((n, f) => n + f.outcomes.lost, 0) + replicas.outcomes.lost],
    ['kill -9: stuck', kills.reduce((n, f) => n + f.outcomes.stuck, 0) + replicas.outcomes.stuck],
    ['kill -9: leftover terraform processes', kills.reduce((n, f) => n + f.leftoverTerraform, 0)],
    ['kill -9: leftover workspaces', kills.reduce((n, f) => n + f.leftoverWorkspaces, 0)],
    ['replicas: double applies', replicas.doubleApplies],
    ['malformed: 5xx answers', malformed.serverErrors],
    ['malformed: requests without an answer (connection dropped)', malformed.networkErrors],
    ['secrets found', secrets.leaks.length],
  ] as const;
  const failures = kills.flatMap((f) => f.failures.map((line) => `- ${f.backend}: ${line}`));
  const histogram = Object.entries(malformed.statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `| ${status} | ${n} |`);
  const categories = Object.entries(malformed.categories).map(([category, n]) => `${category} ${n}`).join(', ');
  return [
    '# Reliability',
    '',
    `Written by \`npm run chaos\` (bench/chaos-run.ts, scenarios in bench/chaos.ts) on ${new Date().toISOString().slice(0, 10)}:`,
    `${cpus().length} CPUs, Node ${process.version}, the compiled broker (\`ovsb serve\`) on 127.0.0.1, terraform on sandbox plans`,
    `(built-in resources only), a throwaway PostgreSQL 15 for the pg runs. Seed ${SEED}${SCALE === 1 ? '' : `, counts scaled by ${SCALE}`}; ${seconds.toFixed(0)} s in all.`,
    'A small bounded subset runs in `npm test` (test/chaos/chaos.test.ts).',
    '',
    '## Targets',
    '',
    '| figure | value | target |',
    '|---|---:|---:|',
    ...targets.map(([name, value]) => `| ${name} | ${value} | 0 |`),
    '',
    '## kill -9 during provisions, updates and deprovisions',
    '',
    'Each instance is provisioned, updated and deprovisioned, one operation at a time; during an operation the',
    'broker is killed with SIGKILL at a random point (0-1.5 s after the 202) with chance 1/2 and a new broker is',
    'started on the same data dir and database, which must finish the operation. Leftovers are counted after',
    'every instance was deprovisioned and the broker stopped.',
    '',
    '| terraform backend (storage) | operations | kills | succeeded | failed | stuck | lost | leftover terraform | leftover workspaces | seconds |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...kills.map(killRow),
    '',
    ...(failures.length === 0 ? ['No operation failed.'] : ['Failed operations (first few):', '', ...failures]),
    '',
    '## Two replicas on one PostgreSQL',
    '',
    `${replicas.provisions} provisions sent alternately to two brokers (pg backend); the first is killed with SIGKILL once half were`,
    'sent, the rest go to the survivor. A double apply is one operation running on both replicas at overlapping',
    'times (from their logs). Both replicas run on this host, so the survivor takes a dead replica\'s operation',
    'over as soon as it sees its process is gone; across hosts the 30 s lease expiry (database clock) decides.',
    '',
    '| provisions | succeeded | failed | stuck | lost | double applies | operations taken over | time to take over (s) | seconds |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${replicas.provisions} | ${replicas.outcomes.succeeded} | ${replicas.outcomes.failed} | ${replicas.outcomes.stuck} | ${replicas.outcomes.lost} | ${replicas.doubleApplies} | ${replicas.takenOver} | ${replicas.takeoverSeconds.toFixed(1)} | ${replicas.seconds.toFixed(0)} |`,
    '',
    '## Malformed requests',
    '',
    `${malformed.requests} requests across every route, 16 at a time (${categories}), to a broker with one`,
    `provisioned instance; ${malformed.seconds.toFixed(0)} s. RSS ${Math.round(malformed.rssBeforeKiB / 1024)} MiB before, ${Math.round(malformed.rssAfterKiB / 1024)} MiB after.`,
    '',
    '| status | answers |',
    '|---:|---:|',
    ...histogram,
    '',
    '## Secrets scan',
    '',
    `${secrets.secretsChecked} secrets (the broker and introspection passwords, the encryption key, every binding token issued, each`,
    `also base64-encoded) looked for in ${secrets.bytesScanned} bytes: ${secrets.placesScanned.join('; ')}.`,
    '',
    secrets.leaks.length === 0 ? 'None found.' : secrets.leaks.map((leak) => `- ${leak}`).join('\n'),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  // Brokers restart from a snapshot of dist: a build meanwhile (tests, an editor) cannot hand a restart half-written files.
  const snapshot = join(packageRoot(), '.chaos-dist');
  rmSync(snapshot, { recursive: true, force: true });
  cpSync(join(packageRoot(), 'dist'), snapshot, { recursive: true });
  process.env['OVSB_BENCH_CLI'] = join(snapshot, 'src', 'cli', 'main.js');
  const logDir = tempDir('chaos-logs');
  let postgres: TestPostgres | undefined;
  try {
    postgres = await startPostgres();
    process.stderr.write(`chaos: kill -9 on the local backend (${COUNTS.killInstances * 3} operations)\n`);
    const local = await killScenario({ backend: 'local', instances: COUNTS.killInstances, killChance: 0.5, seed: SEED, logFile: join(logDir, 'kill-local.log') });
    process.stderr.write(`chaos: kill -9 on the pg backend (${COUNTS.killInstances * 3} operations)\n`);
    const pg = await killScenario({
      backend: 'pg',
      databaseUrl: await postgres.createDatabase('chaos_kill'),
      instances: COUNTS.killInstances,
      killChance: 0.5,
      seed: SEED + 1,
      logFile: join(logDir, 'kill-pg.log'),
    });
    process.stderr.write(`chaos: two replicas on one PostgreSQL (${COUNTS.replicaProvisions} provisions)\n`);
    const replicas = await replicaScenario({ databaseUrl: await postgres.createDatabase('chaos_replicas'), provisions: COUNTS.replicaProvisions, seed: SEED, logDir });
    process.stderr.write(`chaos: ${COUNTS.malformed} malformed requests\n`);
    const malformed = await malformedScenario({ count: COUNTS.malformed, concurrency: 16, seed: SEED, logFile: join(logDir, 'malformed.log') });
    process.stderr.write('chaos: secrets scan\n');
    const secrets = await secretsScenario({ logFiles: ['kill-local.log', 'kill-pg.log', 'replica-a.log', 'replica-b.log', 'malformed.log'].map((file) => join(logDir, file)) });
    const text = report([local, pg], replicas, malformed, secrets, (performance.now() - started) / 1000);
    writeFileSync(join(packageRoot(), 'RELIABILITY.md'), text);
    process.stdout.write(text);
  } finally {
    await postgres?.stop();
    cleanUp();
    rmSync(snapshot, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos failed: ${(error as Error).stack ?? String(error)}\n`);
  cleanUp();
  process.exit(1);
});
