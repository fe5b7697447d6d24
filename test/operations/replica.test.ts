/**
 * Replica identity: an owner is "gone" only when it provably ran on this host, this boot and in this PID
 * namespace and its process no longer exists; everything else waits for lease expiry.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';

import { newReplicaId, parseReplicaId, replicaHost, replicaIdFor, replicaIsGone } from '../../src/operations/replica';

const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const pidNamespace = /\d+/.exec(readlinkSync('/proc/self/ns/pid'))?.[0] ?? '';
const exitedPid = spawnSync(process.execPath, ['-e', '']).pid as number;
const alive = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
afterAll(() => void alive.kill('SIGKILL'));

/** The id of `pid` as a replica elsewhere would have written it: same host name, other parts given. */
const idWith = (pid: number, boot: string, namespace: string) => `${hostname()}:${pid}:${boot}:${namespace}:00ff`;

describe('replica ids', () => {
  it('GIVEN this process THEN its id names host, pid, boot id and PID namespace', () => {
    const id = newReplicaId();
    expect(id).toMatch(new RegExp(`^${hostname()}:${process.pid}:${bootId}:${pidNamespace}:[0-9a-f]{8}$`));
    expect(parseReplicaId(id)).toEqual({ host: hostname(), pid: process.pid, boot: bootId, pidNamespace });
    expect(replicaHost(id)).toBe(hostname());
  });

  it('GIVEN ids of other shapes THEN they name no host', () => {
    expect(replicaHost('broker-a')).toBeUndefined();
    expect(replicaHost(`${hostname()}:${exitedPid}:00ff`)).toBeUndefined();
  });
});

describe('replicaIsGone', () => {
  it.each([
    ['an exited process of this host, boot and PID namespace', replicaIdFor(exitedPid, '00ff'), true],
    ['this process', newReplicaId(), false],
    ['another storage of this process', replicaIdFor(process.pid, '5ca1ab1e'), false],
    ['a live process of this host', replicaIdFor(alive.pid as number, '00ff'), false],
    ['an exited pid in another PID namespace (same host name: another container)', idWith(exitedPid, bootId, '4026531999'), false],
    ['an exited pid of another boot (same host name: another machine)', idWith(exitedPid, '00000000-0000-4000-8000-000000000000', pidNamespace), false],
    ['an id whose system exposed no boot id or namespace', idWith(exitedPid, '-', '-'), false],
    ['an id of the older shape host:pid:random', `${hostname()}:${exitedPid}:00ff`, false],
    ['a process on another host', replicaIdFor(exitedPid, '00ff').replace(/^[^:]+/, 'elsewhere.example'), false],
    ['an operator-chosen id', 'broker-a', false],
  ])('%s -> %s', (_case, replicaId, gone) => {
    expect(replicaIsGone(replicaId)).toBe(gone);
  });
});
