/** The throwaway-cluster harness other suites rely on: parallel clusters, full cleanup. */
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../support/postgres';

const selectOne = async (url: string) => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT current_database() AS db, 1 AS one')).rows[0];
  } finally {
    await client.end();
  }
};

describe('startPostgres', () => {
  it('GIVEN two clusters started at once THEN each answers on its own port, and stop removes everything', async () => {
    const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.directory).not.toBe(b.directory);
      expect(await selectOne(a.url)).toEqual({ db: 'ovsb', one: 1 });
      expect(await selectOne(await b.createDatabase('second'))).toEqual({ db: 'second', one: 1 });
      await expect(b.createDatabase('Bad-Name')).rejects.toThrow(/must match/);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    for (const cluster of [a, b]) expect(existsSync(cluster.directory)).toBe(false);
    await expect(selectOne(a.url)).rejects.toThrow(/ECONNREFUSED/);
    // Stopping twice is harmless.
    await a.stop();
  });
});
