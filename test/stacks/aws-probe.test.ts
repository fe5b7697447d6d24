/**
 * The AWS host's liveness prober (the script cloud-init installs), run for real with bash and curl
 * against a local HTTP server. `docker` is replaced by a small script on PATH that answers
 * `inspect` for one running container at 127.0.0.1 and records `restart` calls.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROBE_SCRIPT, PULL_SCRIPT } from '../../modules/aws/cloud-init';

const exec = promisify(execFile);

let server: Server;
let status = 200;
let port = 0;

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.statusCode = status;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('ovsb-probe', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovsb-probe-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'probes'));
    writeFileSync(join(dir, 'ovsb-probe'), PROBE_SCRIPT.replace(/\$\$\{/g, '${'), { mode: 0o755 });
    const docker = join(dir, 'bin', 'docker');
    writeFileSync(
      docker,
      `#!/bin/bash
case "$1" in
  inspect)
    case "$3" in
      *Running*) echo true ;;
      *StartedAt*) cat "${dir}/started" ;;
      *IPAddress*) echo 127.0.0.1 ;;
    esac ;;
  restart) echo "$*" >> "${dir}/restarts" ;;
esac
`,
    );
    chmodSync(docker, 0o755);
    writeFileSync(join(dir, 'started'), '2020-01-01T00:00:00Z');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function configure(settings: {
    failureThreshold: number;
    successThreshold: number;
    initialDelay?: number;
    tcpPort?: number;
  }) {
    writeFileSync(
      join(dir, 'probes', 'execution.env'),
      [
        `PROBE_TYPE=${settings.tcpPort === undefined ? 'http' : 'tcp'}`,
        `PROBE_PORT=${settings.tcpPort ?? port}`,
        'PROBE_PATH=/health',
        'PROBE_TIMEOUT_SECONDS=2',
        `PROBE_FAILURE_THRESHOLD=${settings.failureThreshold}`,
        `PROBE_SUCCESS_THRESHOLD=${settings.successThreshold}`,
        `PROBE_INITIAL_DELAY_SECONDS=${settings.initialDelay ?? 0}`,
        'PROBE_STOP_TIMEOUT_SECONDS=300',
      ].join('\n'),
    );
  }

  /** Runs the probe once per entry, with the server answering that status. */
  async function probe(...statuses: number[]): Promise<void> {
    for (const next of statuses) {
      status = next;
      await exec(join(dir, 'ovsb-probe'), ['execution'], {
        env: {
          PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          OVSB_PROBE_CONFIG_DIR: join(dir, 'probes'),
          OVSB_PROBE_STATE_DIR: join(dir, 'state'),
        },
      });
    }
  }

  const restarts = () => (existsSync(join(dir, 'restarts')) ? readFileSync(join(dir, 'restarts'), 'utf8').trim().split('\n') : []);

  function configureReadiness(settings: { failureThreshold: number; successThreshold: number; startTimeout?: number }) {
    writeFileSync(
      join(dir, 'probes', 'execution.readiness.env'),
      [
        'PROBE_TYPE=http',
        `PROBE_PORT=${port}`,
        'PROBE_PATH=/health',
        'PROBE_TIMEOUT_SECONDS=2',
        `PROBE_FAILURE_THRESHOLD=${settings.failureThreshold}`,
        `PROBE_SUCCESS_THRESHOLD=${settings.successThreshold}`,
        'PROBE_INITIAL_DELAY_SECONDS=0',
        `PROBE_START_TIMEOUT_SECONDS=${settings.startTimeout ?? ''}`,
      ].join('\n'),
    );
  }

  /** Runs the readiness probe once per entry; returns the recorded readiness after each run. */
  async function ready(...statuses: number[]): Promise<string[]> {
    const seen: string[] = [];
    for (const next of statuses) {
      status = next;
      await exec(join(dir, 'ovsb-probe'), ['execution', 'readiness'], {
        env: {
          PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          OVSB_PROBE_CONFIG_DIR: join(dir, 'probes'),
          OVSB_PROBE_STATE_DIR: join(dir, 'state'),
          OVSB_READY_DIR: join(dir, 'ready'),
          OVSB_PROBE_LOG: join(dir, 'log'),
        },
      });
      seen.push(readFileSync(join(dir, 'ready', 'execution'), 'utf8').trim());
    }
    return seen;
  }

  const logged = () => (existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').trim().split('\n') : []);

  it('GIVEN a healthy container THEN it is never restarted', async () => {
    configure({ failureThreshold: 2, successThreshold: 1 });
    await probe(200, 200, 200);
    expect(restarts()).toEqual([]);
  });

  it('GIVEN failureThreshold 3 WHEN the check fails 3 times in a row THEN the container restarts once, with its stop timeout', async () => {
    configure({ failureThreshold: 3, successThreshold: 1 });
    await probe(500, 500);
    expect(restarts()).toEqual([]);
    await probe(500);
    expect(restarts()).toEqual(['restart -t 300 execution']);
    await probe(500, 500);
    expect(restarts()).toHaveLength(1);
  });

  it('GIVEN successThreshold 2 THEN one success between failures does not clear them', async () => {
    configure({ failureThreshold: 3, successThreshold: 2 });
    await probe(500, 500, 200, 500);
    expect(restarts()).toHaveLength(1);
  });

  it('GIVEN successThreshold 1 THEN one success clears earlier failures', async () => {
    configure({ failureThreshold: 3, successThreshold: 1 });
    await probe(500, 500, 200, 500);
    expect(restarts()).toEqual([]);
  });

  it('GIVEN a tcp probe THEN an open port passes and a closed one fails', async () => {
    configure({ failureThreshold: 1, successThreshold: 1, tcpPort: port });
    await probe(200);
    expect(restarts()).toEqual([]);
    // Port 1 (tcpmux) is not listening on loopback here.
    configure({ failureThreshold: 1, successThreshold: 1, tcpPort: 1 });
    await probe(200);
    expect(restarts()).toHaveLength(1);
  });

  it('GIVEN readiness successThreshold 2 and failureThreshold 2 THEN readiness follows the thresholds, is logged, and nothing restarts', async () => {
    configureReadiness({ failureThreshold: 2, successThreshold: 2 });
    expect(await ready(200, 200, 500, 200, 500, 500, 200)).toEqual(['not-ready', 'ready', 'ready', 'ready', 'ready', 'not-ready', 'not-ready']);
    expect(logged()).toEqual(['execution is ready', 'execution is not ready: 2 readiness checks failed in a row']);
    expect(restarts()).toEqual([]);
  });

  it('GIVEN app_start_timeout_sec passed without readiness THEN the failed start is logged once', async () => {
    configureReadiness({ failureThreshold: 1, successThreshold: 1, startTimeout: 60 });
    expect(await ready(500, 500)).toEqual(['not-ready', 'not-ready']);
    const errors = logged().filter((line) => line.includes('app_start_timeout_sec 60'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^execution is not ready \d+ s after it started \(app_start_timeout_sec 60\): the start failed$/);
  });

  it('GIVEN app_start_timeout_sec not yet passed THEN nothing is reported as failed', async () => {
    configureReadiness({ failureThreshold: 1, successThreshold: 1, startTimeout: 3600 });
    writeFileSync(join(dir, 'started'), new Date().toISOString());
    expect(await ready(500)).toEqual(['not-ready']);
    expect(logged()).toEqual([]);
  });

  it('GIVEN a container that restarted THEN its readiness starts over', async () => {
    configureReadiness({ failureThreshold: 1, successThreshold: 2 });
    expect(await ready(200, 200)).toEqual(['not-ready', 'ready']);
    writeFileSync(join(dir, 'started'), '2020-01-02T00:00:00Z');
    expect(await ready(200)).toEqual(['not-ready']);
  });

  it('GIVEN a container inside its initial delay THEN failures are not counted', async () => {
    configure({ failureThreshold: 1, successThreshold: 1, initialDelay: 3600 });
    writeFileSync(join(dir, 'started'), new Date().toISOString());
    await probe(500, 500);
    expect(restarts()).toEqual([]);
  });
});

describe('ovsb-pull', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovsb-pull-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'ovsb-pull'), PULL_SCRIPT, { mode: 0o755 });
    // `docker`: the image is present when ${dir}/present exists; pulls fail until ${dir}/failures runs out.
    writeFileSync(
      join(dir, 'bin', 'docker'),
      `#!/bin/bash
echo "$*" >> "${dir}/calls"
case "$1" in
  image) [ -f "${dir}/present" ] ;;
  pull)
    left=$(cat "${dir}/failures" 2>/dev/null || echo 0)
    if [ "$left" -gt 0 ]; then echo $((left - 1)) > "${dir}/failures"; exit 1; fi ;;
esac
`,
      { mode: 0o755 },
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pull = () =>
    exec(join(dir, 'ovsb-pull'), ['sigp/lighthouse:v8.0.0'], {
      env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, OVSB_PULL_BACKOFF_SECONDS: '0' },
    }).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
  const calls = () => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');

  it('GIVEN the pinned image already on the host THEN it does not pull (a reboot needs no registry)', async () => {
    writeFileSync(join(dir, 'present'), '');
    expect(await pull()).toBe(0);
    expect(calls()).toEqual(['image inspect sigp/lighthouse:v8.0.0']);
  });

  it('GIVEN two failed pulls THEN the third attempt succeeds', async () => {
    writeFileSync(join(dir, 'failures'), '2');
    expect(await pull()).toBe(0);
    expect(calls().filter((call) => call.startsWith('pull'))).toHaveLength(3);
  });

  it('GIVEN a registry that never answers THEN it gives up after 5 attempts and fails (systemd retries the unit)', async () => {
    writeFileSync(join(dir, 'failures'), '99');
    expect(await pull()).toBe(1);
    expect(calls().filter((call) => call.startsWith('pull'))).toHaveLength(5);
  });
});
