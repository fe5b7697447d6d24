import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/crypto';
import { ConfigError } from '../../src/errors';
import { openStorage, storageEngineFor } from '../../src/storage';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { storageContract, type TestDatabase } from './storage-contract';

let cluster: TestPostgres | undefined;
let databases = 0;

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<TestDatabase> {
  if (cluster === undefined) throw new Error('PostgreSQL cluster did not start (see beforeAll)');
  databases += 1;
  const url = await cluster.createDatabase(`contract_${process.pid}_${databases}`);
  return {
    // The data dir is unused with PostgreSQL but part of every configuration.
    location: { dataDir: '/nonexistent-ovsb-data-dir', databaseUrl: url },
    raw: (sql) => withClient(url, async (client) => (await client.query(sql)).rows as Record<string, unknown>[]),
    exec: (sql) => withClient(url, async (client) => void (await client.query(sql))),
    // Each test's database stays until the cluster stops with the file.
    dispose: async () => undefined,
  };
}

storageContract({ engine: 'postgres', freshDatabase });

describe('engine selection', () => {
  it.each([
    [undefined, 'sqlite'],
    ['', 'sqlite'],
    ['postgres://u@h/db', 'postgres'],
    ['postgresql://u@h:5432/db', 'postgres'],
  ] as const)('OVSB_DATABASE_URL=%s selects %s', (url, engine) => {
    expect(storageEngineFor(url)).toBe(engine);
  });

  it('GIVEN another scheme THEN a ConfigError names the variable and the accepted form', () => {
    expect(() => storageEngineFor('mysql://h/db')).toThrow(ConfigError);
    expect(() => storageEngineFor('mysql://h/db')).toThrow(/OVSB_DATABASE_URL.*"mysql".*postgres:\/\//);
  });

  it('GIVEN an unreachable server WHEN storage opens THEN it fails with an ExternalError', async () => {
    const error = await openStorage({
      dataDir: '/nonexistent',
      databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
      secretBox: new SecretBox(Buffer.alloc(32, 1)),
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('ExternalError');
  });
});

describe('connections that stop answering', () => {
  it('a statement past the query timeout fails as an ExternalError instead of hanging (and holding what it holds)', async () => {
    if (cluster === undefined) throw new Error('PostgreSQL cluster did not start (see beforeAll)');
    const { PostgresDriver } = await import('../../src/storage/postgres');
    const driver = new PostgresDriver({ url: cluster.url, poolSize: 1, lockTimeoutMs: 1_000, queryTimeoutMs: 200 });
    try {
      await expect(driver.all('SELECT pg_sleep(5)')).rejects.toThrow(/PostgreSQL SELECT failed: .*statement timeout/);
      // The connection is usable again afterwards.
      expect(await driver.all('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await driver.close();
    }
  });
});
