/**
 * The resources' pure rules: parameters in either form, drift of parameters read back from a broker,
 * timeouts, context keys, state upgrades; and plan semantics of ovsb_service_instance for changes that
 * need no catalog look-up.
 */
import { describe, expect, it } from 'vitest';
import { Dynamic, dynamicOf, UNKNOWN } from '../../src/provider/codec/cty';
import { ProviderError } from '../../src/provider/diagnostics';
import { deadlineOf, parametersObject, refreshedParameters, sameParameters, upgradeState, validateContext, validateTimeouts } from '../../src/provider/resources/common';
import { serviceInstance, SERVICE_INSTANCE_SCHEMA } from '../../src/provider/resources/service-instance';
import { parseDuration } from '../../src/provider/schema';

const object = (value: Record<string, unknown>) => dynamicOf(value);

describe('parameters', () => {
  it('an object or a JSON string of one; anything else names the attribute and the fix', () => {
    expect(parametersObject(object({ a: 1 }))).toEqual({ a: 1 });
    expect(parametersObject(new Dynamic('string', '{"a":1}'))).toEqual({ a: 1 });
    expect(parametersObject(null)).toBeUndefined();
    expect(() => parametersObject(new Dynamic('string', 'not json'))).toThrow(/not JSON.*jsonencode/);
    expect(() => parametersObject(new Dynamic(['tuple', ['number']], [1]))).toThrow(ProviderError);
  });

  it('the same parameters in either form are the same', () => {
    expect(sameParameters(object({ a: 1, b: 'x' }), new Dynamic('string', '{"b":"x","a":1}'))).toBe(true);
    expect(sameParameters(null, object({}))).toBe(true);
    expect(sameParameters(object({ a: 1 }), object({ a: 2 }))).toBe(false);
  });

  it('read back: the state value (and form) is kept while the broker agrees; otherwise the broker wins, and keys it never shows stay', () => {
    const state = new Dynamic('string', '{"fee_recipient":"0x1","secret_key":"s"}');
    expect(refreshedParameters(state, { fee_recipient: '0x1' })).toBe(state);
    expect(refreshedParameters(state, { fee_recipient: '0x2' })).toEqual(object({ fee_recipient: '0x2', secret_key: 's' }));
    expect(refreshedParameters(null, {})).toBeNull();
    expect(refreshedParameters(null, { graffiti: 'x' })).toEqual(object({ graffiti: 'x' }));
  });
});

describe('timeouts, context, state versions', () => {
  it('Go durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('30 minutes')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
    expect(validateTimeouts({ timeouts: { create: 'soon', update: null, delete: '5m' } })).toEqual([
      expect.objectContaining({ summary: 'Invalid timeout', path: ['timeouts', 'create'] }),
    ]);
    expect(deadlineOf({ timeouts: { create: '2m', update: null, delete: null } }, 'create', 1_000)).toBe(121_000);
    expect(deadlineOf(null, 'delete', 0)).toBe(3_600_000);
  });

  it('context may not set what the provider sets', () => {
    expect(validateContext({ context: { platform: 'cf', team: 'x' } })).toEqual([expect.objectContaining({ path: ['context', 'platform'] })]);
  });

  it('a state of the current version decodes (unknown attributes dropped); a newer one is refused', () => {
    const state = upgradeState(SERVICE_INSTANCE_SCHEMA, 'ovsb_service_instance', 0, { id: 'i', instance_id: 'i', service: 's', plan: 'p', gone_attribute: 1 });
    expect(state['instance_id']).toBe('i');
    expect(state).not.toHaveProperty('gone_attribute');
    expect(() => upgradeState(SERVICE_INSTANCE_SCHEMA, 'ovsb_service_instance', 1, {})).toThrow(/newer provider/);
  });
});

describe('ovsb_service_instance plan semantics (names unchanged: no broker needed)', () => {
  const prior = {
    id: 'i-1',
    instance_id: 'i-1',
    service: 'svc',
    plan: 'pln',
    service_id: 'svc-id',
    plan_id: 'pln-id',
    parameters: object({ a: 1 }),
    maintenance_info_version: '1.0.0',
    context: null,
    dashboard_url: 'https://dash',
    operation: 'op-1',
    timeouts: null,
  };
  const config = { ...prior, id: null, instance_id: null, service_id: null, plan_id: null, maintenance_info_version: null, dashboard_url: null, operation: null };

  it('no change: the planned state is the prior state, computed values kept', async () => {
    const { planned, requiresReplace } = await serviceInstance.plan(undefined, { prior, proposed: prior, config });
    expect(planned).toEqual(prior);
    expect(requiresReplace).toEqual([]);
  });

  it('a parameter change: in place, the operation unknown, everything else kept', async () => {
    const changed = { ...config, parameters: object({ a: 2 }) };
    const { planned, requiresReplace } = await serviceInstance.plan(undefined, { prior, proposed: { ...prior, parameters: changed.parameters }, config: changed });
    expect(requiresReplace).toEqual([]);
    expect(planned).toMatchObject({ operation: UNKNOWN, dashboard_url: 'https://dash', maintenance_info_version: '1.0.0', plan_id: 'pln-id' });
  });

  it('the same parameters written as a JSON string: state changes, no operation', async () => {
    const rewritten = { ...config, parameters: new Dynamic('string', '{"a":1}') };
    const { planned } = await serviceInstance.plan(undefined, { prior, proposed: { ...prior, parameters: rewritten.parameters }, config: rewritten });
    expect(planned?.['operation']).toBe('op-1');
  });

  it('another instance_id requires replacement', async () => {
    const moved = { ...config, instance_id: 'i-2' };
    const { requiresReplace } = await serviceInstance.plan(undefined, { prior, proposed: { ...prior, instance_id: 'i-2' }, config: moved });
    expect(requiresReplace).toEqual([['instance_id']]);
  });

  it('destroy plans null', async () => {
    expect((await serviceInstance.plan(undefined, { prior, proposed: null, config: null })).planned).toBeNull();
  });
});
