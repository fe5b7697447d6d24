/**
 * `ovsb serve` (what `npm start` runs) on a fresh directory with no configuration but a port: it serves
 * the bundled catalog, generates a password printed once on stderr and kept 0600 in ./.ovsb, reuses it
 * on the next start, and stops cleanly on SIGTERM.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, freePort, killAll, serve } from './program';

let cwd: string;
beforeAll(() => {
  buildDist();
  cwd = mkdtempSync(join(tmpdir(), 'ovsb-serve-'));
});
afterAll(() => {
  killAll();
  rmSync(cwd, { recursive: true, force: true });
});

const catalogWith = (port: number, password: string) =>
  fetch(`http://127.0.0.1:${port}/v2/catalog`, {
    headers: { Authorization: `Basic ${Buffer.from(`ovsb:${password}`).toString('base64')}`, 'X-Broker-API-Version': '2.17' },
  });

describe('ovsb serve with zero configuration', () => {
  it('GIVEN a fresh directory WHEN served THEN the catalog answers with the generated password, printed once and reused', async () => {
    const port = await freePort();
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
    await expect(serve({ OVSB_PORT: 'eighty' }, cwd)).rejects.toThrow(/exited with 2:[\s\S]*OVSB_PORT[\s\S]*"eighty"/);
  });
});
