/**
 * `cdktf deploy` of a stacks.yaml stack in broker mode, for real: cdktf-cli (pinned) runs the compiled
 * app, which synthesises the stack as an ovsb_service_instance + binding, and terraform applies it with
 * terraform-provider-ovsb from the mirror against a broker the test started (a one-pair sandbox catalog,
 * so the app synthesises quickly).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load';
import { ROOT, startProviderWorld, type ProviderWorld } from './terraform-env';

const CDKTF = join(ROOT, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf');
const FEE = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const CATALOG = `
broker: { name: fixture, id_namespace: 6f1c0a4e-2b7d-4c1e-9a53-0b8e1d2f3a41, maximum_polling_duration: 600 }
clients:
  execution: { geth: { version: v1.16.7 } }
  consensus: { lighthouse: { version: v8.0.0 } }
  mev_boost: { version: 1.10.1 }
combos: all
roles: [validator, rpc]
targets: { sandbox: {} }
networks:
  hoodi:
    mev_boost:
      relays:
        - https://0xafa4c6985aa049fb79dd37010438cfebeb0f2bd42b115b89dd678dab0670c1de38da0c4e9138c9290a398ecd9a0b3110@boost-relay-hoodi.flashbots.net
`;

let world: ProviderWorld;
let project: string;

beforeAll(async () => {
  // The broker serves the same catalog the app synthesises from.
  const scratch = mkdtempSync(join(tmpdir(), 'ovsb-cdktf-catalog-'));
  writeFileSync(join(scratch, 'catalog.yaml'), CATALOG);
  const catalog = loadCatalog(join(scratch, 'catalog.yaml'));
  rmSync(scratch, { recursive: true, force: true });
  world = await startProviderWorld({ engine: 'sqlite', catalog });
  project = world.workdir('cdktf-project', '');
  writeFileSync(join(project, 'catalog.yaml'), CATALOG);
  writeFileSync(join(project, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: `node ${join(ROOT, 'dist', 'src', 'cli', 'cdktf-app.js')}`, output: 'cdktf.out', sendCrashReports: 'false' }));
  writeFileSync(
    join(project, 'stacks.yaml'),
    `stacks:\n  - name: team-brokered\n    plan: geth-lighthouse-validator-sandbox-hoodi\n    broker_url: ${world.url}\n    parameters: { fee_recipient: "${FEE}" }\n`,
  );
});

afterAll(async () => {
  await world?.close();
});

function cdktf(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CDKTF, ...args],
      {
        cwd: project,
        env: { ...world.env, OVSB_CATALOG: join(project, 'catalog.yaml'), OVSB_STACKS_FILE: '', CI: '1', FORCE_COLOR: '0' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 300_000,
      },
      (error, stdout, stderr) => done({ code: error === null ? 0 : 1, output: `${stdout}${stderr}` }),
    );
  });
}

describe('cdktf deploy of a broker-mode stacks.yaml stack', () => {
  it('provisions through the broker with the provider, and cdktf destroy deprovisions', async () => {
    const deploy = await cdktf(['deploy', 'team-brokered', '--auto-approve', '--skip-provider-lock']);
    expect(deploy.code, deploy.output).toBe(0);
    const instance = await world.harness.storage.getInstance('team-brokered');
    expect(instance?.state).toBe('provisioned');
    expect(instance?.context['platform']).toBe('terraform');
    expect(await world.harness.storage.listBindings('team-brokered')).toHaveLength(1);
    const destroy = await cdktf(['destroy', 'team-brokered', '--auto-approve', '--skip-provider-lock']);
    expect(destroy.code, destroy.output).toBe(0);
    expect((await world.harness.storage.getInstance('team-brokered'))?.state).toBe('deprovisioned');
  });
});
