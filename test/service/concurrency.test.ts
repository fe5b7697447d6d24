import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

import { DeadlinePassed, KeyedMutex, Semaphore, untilDeadline } from '../../src/concurrency';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('grants up to its capacity and queues the rest in order', async () => {
    const semaphore = new Semaphore(2);
    const order: string[] = [];
    const first = await semaphore.acquire();
    const second = await semaphore.acquire();
    const third = semaphore.acquire().then((release) => (order.push('third'), release));
    const fourth = semaphore.acquire().then((release) => (order.push('fourth'), release));
    await settle();
    expect(semaphore.active).toBe(2);
    expect(semaphore.waiting).toBe(2);
    expect(order).toEqual([]);
    first();
    first();
    await settle();
    expect(order).toEqual(['third']);
    second();
    (await third)();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect(semaphore.active).toBe(0);
  });

  it('lets an aborted waiter leave the queue without taking a permit', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(semaphore.waiting).toBe(0);
    release();
    expect(semaphore.active).toBe(0);
    await expect(semaphore.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it.each([0, -1, 1.5])('refuses capacity %s', (capacity) => {
    expect(() => new Semaphore(capacity)).toThrow(RangeError);
  });
});

describe('KeyedMutex', () => {
  it('serialises holders of one key and leaves other keys free', async () => {
    const mutex = new KeyedMutex();
    const a1 = await mutex.acquire('a');
    const b = await mutex.acquire('b');
    let a2Granted = false;
    const a2 = mutex.acquire('a').then((release) => ((a2Granted = true), release));
    await settle();
    expect(a2Granted).toBe(false);
    expect(mutex.isLocked('a')).toBe(true);
    a1();
    (await a2)();
    b();
    expect(mutex.isLocked('a')).toBe(false);
    expect(mutex.isLocked('b')).toBe(false);
  });

  it('forgets a key whose only waiter aborted', async () => {
    const mutex = new KeyedMutex();
    const release = await mutex.acquire('a');
    const controller = new AbortController();
    const waiting = mutex.acquire('a', controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    release();
    expect(mutex.isLocked('a')).toBe(false);
  });
});

describe('untilDeadline', () => {
  // A real collection, as under load: Node holds AbortSignal.any's sources weakly.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  it('GIVEN collections while waiting WHEN the deadline passes THEN the waiter leaves with DeadlinePassed', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const collecting = setInterval(gc, 10);
    try {
      const waited = untilDeadline(Date.now() + 150, undefined, (signal) => semaphore.acquire(signal));
      await expect(waited).rejects.toBeInstanceOf(DeadlinePassed);
      expect(semaphore.waiting).toBe(0);
    } finally {
      clearInterval(collecting);
      held();
    }
  });

  it('GIVEN the caller aborts THEN the waiter leaves with the caller reason, not a deadline', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const waited = untilDeadline(Date.now() + 60_000, controller.signal, (signal) => semaphore.acquire(signal));
    controller.abort(new Error('cancelled by the platform'));
    await expect(waited).rejects.toThrow('cancelled by the platform');
    held();
  });

  it('GIVEN a permit frees up in time THEN it is granted', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const waited = untilDeadline(Date.now() + 60_000, undefined, (signal) => semaphore.acquire(signal));
    held();
    const release = await waited;
    expect(semaphore.active).toBe(1);
    release();
  });
});
