/**
 * Replica identity for operation leases: `<hostname>:<pid>:<random>`. A lease normally ends by expiry;
 * an owner on this same host whose process no longer exists is known gone at once (a restarted broker
 * resumes its predecessor's operations without waiting the lease out).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export const newReplicaId = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

const REPLICA_ID = /^(.+):(\d+):[0-9a-f]+$/;

/** True only when certain: same host, another pid, and no such process. Ids in other shapes are never "gone". */
export function replicaIsGone(replicaId: string): boolean {
  const match = REPLICA_ID.exec(replicaId);
  if (match === null || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
