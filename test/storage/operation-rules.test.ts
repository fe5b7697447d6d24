/** Pure rules from src/operations used by storage: outcome settlement and originating identity decoding. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OsbError } from '../../src/errors';
import { parseOriginatingIdentity } from '../../src/operations/identity';
import { newReplicaId, replicaIdFor, replicaIsGone } from '../../src/operations/replica';
import { settle, type SettleInput } from '../../src/operations/transitions';

const request = { serviceId: 'svc', planId: 'plan-b', parameters: { validators: 3 }, context: { platform: 'cloudfoundry' } };

describe('settle', () => {
  it.each<[string, SettleInput, ReturnType<typeof settle>]>([
    ['provision succeeded', { kind: 'provision', request, outcome: 'succeeded' }, { instance: { state: 'provisioned' }, revokeBindings: false }],
    ['provision failed', { kind: 'provision', request, outcome: 'failed' }, { instance: { state: 'failed' }, revokeBindings: false }],
    [
      'update succeeded applies the request',
      { kind: 'update', request: { ...request, maintenanceInfoVersion: '2' }, outcome: 'succeeded', priorState: 'provisioned' },
      {
        instance: { state: 'provisioned', planId: 'plan-b', parameters: { validators: 3 }, context: { platform: 'cloudfoundry' }, maintenanceInfoVersion: '2' },
        revokeBindings: false,
      },
    ],
    [
      'update succeeded without parameters keeps them',
      { kind: 'update', request: { serviceId: 'svc', planId: 'plan-a' }, outcome: 'succeeded', priorState: 'provisioned' },
      { instance: { state: 'provisioned', planId: 'plan-a' }, revokeBindings: false },
    ],
    ['update failed, usable', { kind: 'update', request, outcome: 'failed', instanceUsable: true, priorState: 'provisioned' }, { instance: { state: 'provisioned' }, revokeBindings: false }],
    // A failed provision (or an earlier failure) is never made usable by a failed operation.
    ['update of a failed instance failed, said usable', { kind: 'update', request, outcome: 'failed', instanceUsable: true, priorState: 'failed' }, { instance: { state: 'failed' }, revokeBindings: false }],
    ['deprovision of a failed instance failed, said usable', { kind: 'deprovision', request, outcome: 'failed', instanceUsable: true, priorState: 'failed' }, { instance: { state: 'failed' }, revokeBindings: false }],
    ['update failed, unusable', { kind: 'update', request, outcome: 'failed', instanceUsable: false, priorState: 'provisioned' }, { instance: { state: 'failed' }, revokeBindings: false }],
    ['update failed, unsaid: as before', { kind: 'update', request, outcome: 'failed', priorState: 'failed' }, { instance: { state: 'failed' }, revokeBindings: false }],
    ['deprovision succeeded', { kind: 'deprovision', request, outcome: 'succeeded', priorState: 'provisioned' }, { instance: { state: 'deprovisioned' }, revokeBindings: true }],
    ['deprovision failed, unsaid: as before', { kind: 'deprovision', request, outcome: 'failed', priorState: 'provisioned' }, { instance: { state: 'provisioned' }, revokeBindings: false }],
    ['bind succeeded', { kind: 'bind', request, outcome: 'succeeded' }, { binding: { state: 'created' }, revokeBindings: false }],
    ['bind failed', { kind: 'bind', request, outcome: 'failed' }, { binding: { state: 'failed' }, revokeBindings: false }],
    ['unbind succeeded', { kind: 'unbind', request, outcome: 'succeeded', priorState: 'created' }, { binding: { state: 'deleted' }, revokeBindings: false }],
    ['unbind failed', { kind: 'unbind', request, outcome: 'failed', priorState: 'created' }, { binding: { state: 'created' }, revokeBindings: false }],
  ])('%s', (_case, input, expected) => {
    expect(settle(input)).toEqual(expected);
  });
});

describe('parseOriginatingIdentity', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

  it('decodes the spec example', () => {
    const header = 'cloudfoundry eyANCiAgInVzZXJfaWQiOiAiNjgzZWE3NDgtMzA5Mi00ZmY0LWI2NTYtMzljYWNjNGQ1MzYwIg0KfQ==';
    expect(parseOriginatingIdentity(header)).toEqual({
      platform: 'cloudfoundry',
      value: { user_id: '683ea748-3092-4ff4-b656-39cacc4d5360' },
    });
  });

  it('decodes a kubernetes identity', () => {
    const value = { username: 'alice', uid: 'u-1', groups: ['admins'], extra: {} };
    expect(parseOriginatingIdentity(`kubernetes ${encode(value)}`)).toEqual({ platform: 'kubernetes', value });
  });

  it.each([
    ['no value', 'cloudfoundry', /must be "<platform> <base64 JSON object>"/],
    ['three parts', 'a b c', /must be "<platform> <base64 JSON object>"/],
    ['not base64', 'cloudfoundry {"user_id":1}', /not base64/],
    ['not JSON', `cloudfoundry ${Buffer.from('user=1').toString('base64')}`, /does not decode to JSON/],
    ['a JSON array', `cloudfoundry ${encode(['x'])}`, /must decode to a JSON object/],
  ])('refuses %s with a 400', (_case, header, message) => {
    let error: unknown;
    try {
      parseOriginatingIdentity(header);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OsbError);
    expect(error).toMatchObject({ status: 400, code: 'BadRequest' });
    expect((error as Error).message).toMatch(message);
  });
});

describe('replicaIsGone', () => {
  const exitedPid = spawnSync(process.execPath, ['-e', '']).pid;
  it.each([
    ['this process', newReplicaId(), false],
    ['an exited process on this host', replicaIdFor(exitedPid, '00ff'), true],
    ['a process on another host', replicaIdFor(exitedPid, '00ff').replace(/^[^:]+/, 'elsewhere.example'), false],
    ['an operator-chosen id', 'broker-a', false],
  ])('%s -> %s', (_case, replicaId, gone) => {
    expect(replicaIsGone(replicaId)).toBe(gone);
  });
});
