import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/crypto';
import { SQLITE_FILE, openStorage } from '../../src/storage';
import { storageContract, type TestDatabase } from './storage-contract';

function freshDatabase(): Promise<TestDatabase> {
  const root = mkdtempSync(join(tmpdir(), 'ovsb-sqlite-'));
  const dataDir = join(root, 'data');
  const withRaw = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(join(dataDir, SQLITE_FILE));
    db.pragma('busy_timeout = 5000');
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return Promise.resolve({
    location: { dataDir },
    raw: async (sql) => withRaw((db) => db.prepare(sql).all() as Record<string, unknown>[]),
    exec: async (sql) => withRaw((db) => void db.exec(sql)),
    dispose: async () => rmSync(root, { recursive: true, force: true }),
  });
}

storageContract({ engine: 'sqlite', freshDatabase });

describe('SQLite files', () => {
  it('GIVEN a new data dir WHEN storage opens THEN the dir is 0700, the database 0600 and in WAL mode', async () => {
    const db = await freshDatabase();
    try {
      const storage = await openStorage({ ...db.location, secretBox: new SecretBox(Buffer.alloc(32, 7)) });
      await storage.close();
      const dataDir = db.location.dataDir;
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dataDir, SQLITE_FILE)).mode & 0o777).toBe(0o600);
      const [mode] = await db.raw('PRAGMA journal_mode');
      expect(mode).toEqual({ journal_mode: 'wal' });
    } finally {
      await db.dispose();
    }
  });
});
