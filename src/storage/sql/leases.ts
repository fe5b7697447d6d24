/**
 * Who may run an `in progress` operation: the crash-safety rule of the storage layer, in one place
 * (the whole lifecycle is in docs/operations.md).
 *
 * - An operation is claimable when nobody owns it, its lease expired, or its owner is a process on this
 *   host that is gone (a broker killed mid-run: no need to wait for the lease).
 * - A claim is one compare-and-set UPDATE on the owner seen, so two replicas can never both win; it
 *   counts an attempt (the worker gives up after a bound).
 * - Lease times come from the database's clock (unless a test gives a clock): replicas whose own clocks
 *   disagree still agree on when a lease ends.
 * - The owner renews while it runs (progress reports renew too); a yield (graceful shutdown) gives the
 *   lease and the attempt back.
 */
import { replicaIsGone } from '../../operations/replica';
import type { Row, SqlDriver } from './driver';

export interface OperationLeasesOptions {
  readonly replicaId: string;
  readonly leaseMs: number;
  /** Row timestamps (updated_at). */
  readonly clock: () => Date;
  /** Lease time. @default the database's clock */
  readonly leaseClock?: () => Date;
}

/** Whether an `in progress` operation row may be claimed now. */
export function isClaimable(row: Row, now: number): boolean {
  const owner = row['owner'];
  return owner === null || Number(row['lease_expires_at']) <= now || replicaIsGone(String(owner));
}

export class OperationLeases {
  readonly leaseMs: number;
  readonly #driver: SqlDriver;
  readonly #options: OperationLeasesOptions;

  constructor(driver: SqlDriver, options: OperationLeasesOptions) {
    this.#driver = driver;
    this.#options = options;
    this.leaseMs = options.leaseMs;
  }

  /** Now for leases: the database's time unless a lease clock was given. */
  async now(): Promise<number> {
    if (this.#options.leaseClock !== undefined) return this.#options.leaseClock().getTime();
    const rows = await this.#driver.all(`SELECT ${this.#driver.dialect.nowMs} AS now`);
    return Number(rows[0]?.['now']);
  }

  /** Rows of the claimable operations, oldest first. */
  async claimableRows(): Promise<Row[]> {
    // Few operations run at once (bounded worker pools), so the liveness filter runs here, not in SQL.
    const rows = await this.#driver.all(`SELECT * FROM operations WHERE state = 'in progress' ORDER BY seq`);
    const now = await this.now();
    return rows.filter((row) => isClaimable(row, now));
  }

  /** Takes the lease (attempts + 1) if the operation is claimable or already this replica's. */
  async claim(operationId: string): Promise<boolean> {
    const { replicaId } = this.#options;
    const current = await this.#driver.all(`SELECT owner FROM operations WHERE id = ? AND state = 'in progress'`, [operationId]);
    if (current[0] === undefined) return false;
    const owner = current[0]['owner'];
    // Taking over a dead owner is a compare-and-set on that owner, so two claimants cannot both win.
    const goneOwner = owner !== null && replicaIsGone(String(owner)) ? String(owner) : replicaId;
    const now = await this.now();
    const changed = await this.#driver.run(
      `UPDATE operations SET owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND state = 'in progress' AND (owner IS NULL OR lease_expires_at <= ? OR owner = ? OR owner = ?)`,
      [replicaId, now + this.leaseMs, this.#options.clock().getTime(), operationId, now, replicaId, goneOwner],
    );
    return changed > 0;
  }

  /** Extends this replica's lease (and sets the progress text when given). False when the lease was lost. */
  async renew(operationId: string, description?: string): Promise<boolean> {
    const now = await this.now();
    const changed =
      description === undefined
        ? await this.#driver.run(`UPDATE operations SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND state = 'in progress' AND owner = ?`, [
            now + this.leaseMs,
            this.#options.clock().getTime(),
            operationId,
            this.#options.replicaId,
          ])
        : await this.#driver.run(
            `UPDATE operations SET description = ?, lease_expires_at = ?, updated_at = ?
             WHERE id = ? AND state = 'in progress' AND owner = ?`,
            [description, now + this.leaseMs, this.#options.clock().getTime(), operationId, this.#options.replicaId],
          );
    return changed > 0;
  }

  /** Gives the lease up, and the attempt its claim counted (a stop on purpose must not bring the give-up bound closer). */
  async yield(operationId: string): Promise<void> {
    await this.#driver.run(
      `UPDATE operations SET owner = NULL, lease_expires_at = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = ?
       WHERE id = ? AND state = 'in progress' AND owner = ?`,
      [this.#options.clock().getTime(), operationId, this.#options.replicaId],
    );
  }

  /** Owners of unexpired leases, each once. */
  async liveOwners(): Promise<string[]> {
    const rows = await this.#driver.all(
      `SELECT DISTINCT owner FROM operations WHERE state = 'in progress' AND owner IS NOT NULL AND lease_expires_at > ? ORDER BY owner`,
      [await this.now()],
    );
    return rows.map((row) => String(row['owner']));
  }
}
