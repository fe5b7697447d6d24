/**
 * The compiled program, as `npm start` runs it (`node dist/src/cli/main.js serve`), as a child process:
 * - zero configuration: it serves the bundled catalog, generates a password printed once on stderr and
 *   kept 0600 in ./.ovsb, reuses it on the next start, stops cleanly on SIGTERM;
 * - crash safety: killed with SIGKILL while a provision's terraform apply runs, a new broker on the same
 *   data dir finishes the operation (never leaves it `in progress`) and deprovision still cleans up.
 *   The real terraform runs through a wrapper whose first `apply` waits until it is interrupted (under
 *   the name `terraform`, so the next broker recognises the left-over run and interrupts it, as it would
 *   a real one); the test kills the broker once that apply runs in the instance's workspace.
 * One file, so dist is built once (`npx tsc -p tsconfig.json`) before anything is spawned.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load';
import { terraformProcessesIn } from '../../src/terraform/orphans';
import { workspaceId } from '../../src/terraform/workspace';
import { sandboxPlan } from './harness';
import { buildDist, freePort, killAll, serve, type ServeProcess } from './program';

const PASSWORD = 'restart-test-password';
const AUTH = `Basic ${Buffer.from(`ovsb:${PASSWORD}`).toString('base64')}`;

let work: string;
let terraformWrapper: string;
/** Touched by the blocked `apply` itself: from then on terraform apply runs until interrupted. */
let applyBlocked: string;

beforeAll(() => {
  buildDist();
  work = mkdtempSync(join(tmpdir(), 'ovsb-serve-'));
  const realTerraform = execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
  const bin = join(work, 'bin');
  mkdirSync(bin);
  terraformWrapper = join(bin, 'terraform');
  applyBlocked = join(work, 'apply-blocked');
  writeFileSync(
    terraformWrapper,
    [
      '#!/bin/bash',
      '# The real terraform; the first `apply` waits until interrupted. exec -a keeps the program name terraform.',
      `if [ "$1" = apply ] && [ ! -e ${applyBlocked} ]; then`,
      `  exec -a terraform /bin/bash -c 'trap "kill $p; exit 130" INT TERM; touch ${applyBlocked}; sleep 600 >/dev/null 2>&1 & p=$!; wait $p' terraform "$@"`,
      'fi',
      `exec ${realTerraform} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(terraformWrapper, 0o755);
  writeFileSync(join(work, 'empty.tfrc'), '');
});

afterAll(() => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});

async function startBroker(dataDir: string, port: number): Promise<ServeProcess> {
  return serve(
    {
      OVSB_DATA_DIR: dataDir,
      OVSB_PORT: String(port),
      OVSB_PASSWORD: PASSWORD,
      OVSB_TERRAFORM_BIN: terraformWrapper,
      OVSB_TF_INTERRUPT_GRACE_SEC: '5',
      OVSB_LOG_LEVEL: 'info',
      TF_CLI_CONFIG_FILE: join(work, 'empty.tfrc'),
    },
    work,
  );
}

async function call(port: number, method: string, path: string, body?: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { Authorization: AUTH, 'X-Broker-API-Version': '2.17', 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function lastOperation(port: number, path: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 900; attempt++) {
    const res = await call(port, 'GET', `${path}/last_operation`);
    expect(res.status).toBe(200);
    if (res.body['state'] !== 'in progress') return res.body;
    await sleep(100);
  }
  throw new Error(`${path}: still in progress after 90 s`);
}

describe('a broker killed mid-operation', () => {
  it('GIVEN SIGKILL during a provision WHEN a new broker starts on the same data dir THEN the operation ends and deprovision cleans up', async () => {
    const plan = sandboxPlan(loadCatalog());
    const dataDir = join(work, 'data');
    const path = '/v2/service_instances/crash-me';

    const port1 = await freePort();
    const first = await startBroker(dataDir, port1);
    const accepted = await call(port1, 'PUT', `${path}?accepts_incomplete=true`, { organization_guid: 'org-1', space_guid: 'space-1', service_id: plan.serviceId, plan_id: plan.id, parameters: {} });
    expect(accepted.status).toBe(202);
    // Wait until terraform apply runs in the instance's workspace, then kill the broker without warning.
    const workspace = join(dataDir, 'workspaces', workspaceId('crash-me'));
    let running: number[] = [];
    for (let attempt = 0; attempt < 1200 && running.length === 0; attempt++) {
      if (existsSync(applyBlocked)) running = await terraformProcessesIn(workspace, 'terraform');
      if (running.length === 0) await sleep(50);
    }
    expect(running).toHaveLength(1);
    const during = await call(port1, 'GET', `${path}/last_operation`);
    expect(during.body['state']).toBe('in progress');
    first.child.kill('SIGKILL');
    await new Promise((resolveExit) => first.child.once('exit', resolveExit));
    // The broker is gone; its terraform apply is not (it leads its own process group).
    expect(await terraformProcessesIn(workspace, 'terraform')).toEqual(running);

    const port2 = await freePort();
    const second = await startBroker(dataDir, port2);
    try {
      const ended = await lastOperation(port2, path);
      expect(ended['state']).toBe('succeeded');
      // It was the new broker that finished it: its second attempt.
      const resumed = second
        .stdout()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry['msg'] === 'operation started' && entry['operationId'] === accepted.body['operation']);
      expect(resumed?.['attempt']).toBe(2);
      // ...after interrupting the apply the killed broker left running.
      expect(second.stdout()).toContain('interrupting terraform left running in the workspace by a previous broker process');

      const bound = await call(port2, 'PUT', `${path}/service_bindings/b1`, { service_id: plan.serviceId, plan_id: plan.id });
      expect(bound.status).toBe(201);
      expect((await call(port2, 'DELETE', `${path}/service_bindings/b1?service_id=${plan.serviceId}&plan_id=${plan.id}`)).status).toBe(200);

      const deleteQuery = `?accepts_incomplete=true&service_id=${plan.serviceId}&plan_id=${plan.id}`;
      expect((await call(port2, 'DELETE', `${path}${deleteQuery}`)).status).toBe(202);
      expect((await lastOperation(port2, path))['state']).toBe('succeeded');
      expect((await call(port2, 'DELETE', `${path}${deleteQuery}`)).status).toBe(410);
      const workspaces = join(dataDir, 'workspaces');
      expect(existsSync(workspaces) ? readdirSync(workspaces) : []).toEqual([]);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});

const catalogWith = (port: number, password: string) =>
  fetch(`http://127.0.0.1:${port}/v2/catalog`, {
    headers: { Authorization: `Basic ${Buffer.from(`ovsb:${password}`).toString('base64')}`, 'X-Broker-API-Version': '2.17' },
  });

describe('ovsb serve with zero configuration', () => {
  it('GIVEN a fresh directory WHEN served THEN the catalog answers with the generated password, printed once and reused', async () => {
    const port = await freePort();
    const cwd = mkdtempSync(join(work, 'fresh-'));
    const first = await serve({ OVSB_PORT: String(port) }, cwd);
    const announced = /password "([^"]+)"/.exec(first.stderr());
    expect(announced).not.toBeNull();
    const password = announced![1]!;
    const passwordFile = join(cwd, '.ovsb', 'broker-password');
    expect(readFileSync(passwordFile, 'utf8').trim()).toBe(password);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, '.ovsb')).mode & 0o777).toBe(0o700);

    const res = await catalogWith(port, password);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { services: { plans: unknown[] }[] };
    expect(body.services.length).toBeGreaterThan(0);
    expect((await catalogWith(port, 'wrong-password')).status).toBe(401);
    // The password goes to the operator once, never into the JSON logs.
    expect(first.stdout()).not.toContain(password);
    expect(first.stdout()).toContain('"msg":"broker listening"');
    expect(await first.stop()).toBe(0);

    const second = await serve({ OVSB_PORT: String(port) }, cwd);
    expect(second.stderr()).not.toContain(password);
    expect((await catalogWith(port, password)).status).toBe(200);
    expect(await second.stop()).toBe(0);
  });

  it('GIVEN an invalid setting THEN it exits 2 with a message naming the variable and the fix', async () => {
    await expect(serve({ OVSB_PORT: 'eighty' }, work)).rejects.toThrow(/exited with 2:[\s\S]*OVSB_PORT[\s\S]*"eighty"/);
  });
});
