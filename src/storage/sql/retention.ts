/**
 * Retention (Storage.pruneRetired): what only history needs goes once older than the cutoff, in one
 * transaction: finished operations of deleted bindings and of deprovisioned instances, then the binding
 * and instance tombstones nothing refers to any more. Live instances and bindings keep every operation
 * (their audit trail); nothing in progress is touched.
 */
import type { PruneResult } from '../types';
import type { SqlDriver } from './driver';

export function pruneRetired(driver: SqlDriver, before: Date): Promise<PruneResult> {
  const cutoff = before.getTime();
  return driver.transaction(async (tx) => {
    const retiredBinding = `EXISTS (SELECT 1 FROM bindings b WHERE b.instance_id = operations.instance_id AND b.id = operations.binding_id
        AND b.state = 'deleted' AND b.updated_at < ?)`;
    const retiredInstance = `instance_id IN (SELECT id FROM instances WHERE state = 'deprovisioned' AND updated_at < ?)`;
    let operations = await tx.run(
      `DELETE FROM operations WHERE state <> 'in progress' AND finished_at < ? AND binding_id IS NOT NULL AND ${retiredBinding}`,
      [cutoff, cutoff],
    );
    operations += await tx.run(`DELETE FROM operations WHERE state <> 'in progress' AND finished_at < ? AND ${retiredInstance}`, [cutoff, cutoff]);
    const unreferenced = `NOT EXISTS (SELECT 1 FROM operations o WHERE o.instance_id = bindings.instance_id AND o.binding_id = bindings.id)`;
    const bindings = await tx.run(`DELETE FROM bindings WHERE state = 'deleted' AND updated_at < ? AND ${unreferenced}`, [cutoff]);
    const instances = await tx.run(
      `DELETE FROM instances WHERE state = 'deprovisioned' AND updated_at < ?
         AND NOT EXISTS (SELECT 1 FROM operations o WHERE o.instance_id = instances.id)
         AND NOT EXISTS (SELECT 1 FROM bindings b WHERE b.instance_id = instances.id)`,
      [cutoff],
    );
    return { operations, instances, bindings };
  });
}
