/** The scopes a binding token may carry: default, narrower requests, the plan's allowance, what is refused. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCOPE_ALLOWANCE } from '../../src/catalog/config';
import { parseCatalog } from '../../src/catalog/load';
import { ConfigError, OsbError } from '../../src/errors';
import { isSuperset } from '../../src/scopes';
import { allowedScopes, defaultScopes, grantedScopes, scopeContextOf } from '../../src/service/binding-scopes';
import { bundledText, minimalCatalog, registryRefusing, toYaml } from '../catalog/helpers';

const VALIDATOR = DEFAULT_SCOPE_ALLOWANCE.validator;
const RPC = DEFAULT_SCOPE_ALLOWANCE.rpc;

function osbErrorOf(run: () => unknown): OsbError {
  try {
    run();
  } catch (error) {
    if (error instanceof OsbError) return error;
    throw error;
  }
  throw new Error('expected an OsbError');
}

describe('scopeContextOf: an OSB instance id as one scope segment', () => {
  it.each([
    ['abc-123', 'abc-123'],
    ['a.b', 'a_2eb'],
    ['a~b', 'a_7eb'],
    ['a_b', 'a_5fb'],
    ['a_2eb', 'a_5f2eb'],
  ])('%s -> %s', (id, segment) => {
    expect(scopeContextOf(id)).toBe(segment);
    expect(segment).toMatch(/^[a-zA-Z0-9_-]+$/);
  });

  it('is injective on ids that look like escapes', () => {
    expect(scopeContextOf('a.b')).not.toBe(scopeContextOf('a_2eb'));
  });
});

describe('grantedScopes for instance i-1 of a validator plan (allowance: anything about the instance)', () => {
  it('GIVEN no request THEN the default pool:validator.<instance>:read.basic', () => {
    expect(grantedScopes('i-1', VALIDATOR, undefined)).toEqual(['pool:validator.i-1:read.basic']);
    expect(defaultScopes('i-1')).toEqual(['pool:validator.i-1:read.basic']);
  });

  it.each([
    [['pool:validator.i-1:read.basic'], ['pool:validator.i-1:read.basic']],
    [['pool:validator.i-1:read.*'], ['pool:validator.i-1:read.*']],
    [['pool:validator.i-1:**'], ['pool:validator.i-1:**']],
    [['pool:validator.i-1.0xabc:read.basic'], ['pool:validator.i-1.0xabc:read.basic']],
    // Redundant scopes are dropped.
    [['pool:validator.i-1:read.basic', 'pool:validator.i-1:read.*'], ['pool:validator.i-1:read.*']],
  ])('GIVEN a narrower request %j THEN granted as %j, inside the allowance', (requested, granted) => {
    expect(grantedScopes('i-1', VALIDATOR, requested)).toEqual(granted);
    expect(isSuperset(allowedScopes('i-1', VALIDATOR), granted)).toBe(true);
  });

  it.each([
    [['pool:validator.i-2:read.basic'], /"pool:validator.i-2:read.basic" is wider than this plan allows \(pool:validator.i-1:\*\* pool:validator.i-1.\*\*:\*\*\)/],
    [['pool:**:read.basic'], /"pool:\*\*:read.basic" is wider than this plan allows/],
    [['pool:validator.*:read.basic'], /wider than this plan allows/],
    [['admin:validator.i-1:read.basic'], /wider than this plan allows/],
    // Only the scopes outside the allowance are named.
    [['pool:validator.i-1:read.basic', 'pool:validator.i-2:**'], /^parameters\.scopes: "pool:validator.i-2:\*\*" is wider/],
    [['pool:validator.{id}:read'], /"pool:validator.\{id\}:read" is not a scope/],
    [['pool:validator.(id):read'], /is not a scope/],
    [['pool:validator.i-1:***'], /is not a scope/],
    [['not-a-scope'], /is not a scope/],
    [[], /parameters\.scopes is empty: a token must carry at least one scope; omit scopes for the default pool:validator.i-1:read.basic/],
  ])('GIVEN %j THEN 400 naming the scope', (requested, message) => {
    const error = osbErrorOf(() => grantedScopes('i-1', VALIDATOR, requested));
    expect(error.status).toBe(400);
    expect(error.description).toMatch(/^parameters\.scopes/);
    expect(error.description).toMatch(message);
  });

  it('GIVEN an id with a dot THEN the escaped segment is what the allowance and default use', () => {
    expect(grantedScopes('a.b', VALIDATOR, undefined)).toEqual(['pool:validator.a_2eb:read.basic']);
    expect(() => grantedScopes('a.b', VALIDATOR, ['pool:validator.a.b:read.basic'])).toThrow(/wider than this plan allows/);
  });

  it('GIVEN scopes too complex to compare THEN 400 saying so, not "not a scope"', () => {
    const scope = `pool:validator.i-1.**.a.${Array.from({ length: 20 }, () => '*').join('.')}:read`;
    const error = osbErrorOf(() => grantedScopes('i-1', VALIDATOR, [scope]));
    expect(error.status).toBe(400);
    expect(error.description).toMatch(/^parameters\.scopes are too complex to check against this plan's allowance \(.*\); ask for fewer, plainer scopes$/);
  });
});

describe('grantedScopes on an RPC plan (allowance pool:validator.{instance_id}:read.*)', () => {
  it('GIVEN no request THEN the same default, which the allowance covers', () => {
    expect(grantedScopes('i-1', RPC, undefined)).toEqual(['pool:validator.i-1:read.basic']);
    expect(allowedScopes('i-1', RPC)).toEqual(['pool:validator.i-1:read.*']);
  });

  it('GIVEN reads of its own instance THEN granted', () => {
    expect(grantedScopes('i-1', RPC, ['pool:validator.i-1:read.blocks', 'pool:validator.i-1:read.basic'])).toEqual([
      'pool:validator.i-1:read.blocks',
      'pool:validator.i-1:read.basic',
    ]);
  });

  it.each([
    ['pool:validator.i-1:write.exit'],
    ['pool:validator.i-1:**'],
    ['pool:validator.i-1.0xabc:read.basic'],
    ['pool:validator.i-1:read.basic.more'],
  ])('GIVEN %s, which a validator plan allows, THEN 400 naming it', (scope) => {
    expect(() => grantedScopes('i-1', VALIDATOR, [scope])).not.toThrow();
    const error = osbErrorOf(() => grantedScopes('i-1', RPC, [scope]));
    expect(error.status).toBe(400);
    expect(error.description).toBe(`parameters.scopes: "${scope}" is wider than this plan allows (pool:validator.i-1:read.*); ask only for scopes inside it`);
  });
});

describe('the allowance comes from catalog.yaml per kind of plan', () => {
  const registry = registryRefusing('reth', 'prysm', 'hoodi', 'test');
  const load = (scopes: unknown) => parseCatalog(toYaml({ ...minimalCatalog(), ...(scopes !== undefined && { scopes }) }), 'catalog.yaml', registry);
  const planOf = (catalog: ReturnType<typeof load>, role: 'validator' | 'rpc') => catalog.plans.find((p) => p.kind === 'node' && p.role === role)!;

  it('GIVEN no scopes section THEN the defaults: validator plans anything about the instance, RPC and MEV-Boost plans reads', () => {
    const catalog = load(undefined);
    expect(catalog.scopeAllowance(planOf(catalog, 'validator'))).toEqual(VALIDATOR);
    expect(catalog.scopeAllowance(planOf(catalog, 'rpc'))).toEqual(['pool:validator.{instance_id}:read.*']);
    expect(catalog.scopeAllowance(catalog.plans.find((p) => p.kind === 'mev-boost')!)).toEqual(['pool:validator.{instance_id}:read.*']);
  });

  it('GIVEN the bundled catalog THEN RPC plans allow reads only', () => {
    const catalog = parseCatalog(bundledText(), 'catalog.yaml');
    const rpc = catalog.plans.find((p) => p.kind === 'node' && p.role === 'rpc')!;
    expect(catalog.scopeAllowance(rpc)).toEqual(['pool:validator.{instance_id}:read.*']);
  });

  it('GIVEN an operator allowance THEN the bind schema describes it and binds are held to it', () => {
    const catalog = load({ allowed: { rpc: ['pool:validator.{instance_id}:read.basic', 'pool:validator.{instance_id}:read.blocks'] } });
    const rpc = planOf(catalog, 'rpc');
    const allowance = catalog.scopeAllowance(rpc);
    const schema = catalog.parameterSchema(rpc, 'bind') as { properties: { scopes: { description: string; minItems: number } } };
    expect(schema.properties.scopes.description).toContain(
      'Allowed on this plan: any non-empty set of scopes within pool:validator.<instance-id>:read.basic pool:validator.<instance-id>:read.blocks',
    );
    expect(schema.properties.scopes.minItems).toBe(1);
    expect((catalog.parameterSchema(planOf(catalog, 'validator'), 'bind') as typeof schema).properties.scopes.description).toContain(
      'within pool:validator.<instance-id>:** pool:validator.<instance-id>.**:**',
    );
    expect(grantedScopes('i-1', allowance, ['pool:validator.i-1:read.blocks'])).toEqual(['pool:validator.i-1:read.blocks']);
    expect(() => grantedScopes('i-1', allowance, ['pool:validator.i-1:read.*'])).toThrow(/"pool:validator.i-1:read.\*" is wider than this plan allows/);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['an unknown kind of plan', { allowed: { archive: ['pool:validator.{instance_id}:**'] } }, 'scopes.allowed.archive', /unknown key "archive"; expected one of: validator, rpc, mev_boost/],
    ['an empty allowance', { allowed: { rpc: [] } }, 'scopes.allowed.rpc', /allows no scopes, but rpc bindings get pool:validator.\{instance_id\}:read.basic by default/],
    ['a template that is not one', { allowed: { rpc: ['pool:validator.{instance_id}:***'] } }, 'scopes.allowed.rpc[0]', /is not a scope template/],
    ['another placeholder', { allowed: { rpc: ['pool:validator.{user_id}:read.*'] } }, 'scopes.allowed.rpc[0]', /uses \{user_id\}; a binding scope template may only use \{instance_id\}/],
    ['no placeholder', { allowed: { validator: ['pool:**:**'] } }, 'scopes.allowed.validator[0]', /has no \{instance_id\}: it would let a binding of one instance reach every instance/],
    ['an allowance narrower than the default', { allowed: { rpc: ['pool:validator.{instance_id}:read.blocks'] } }, 'scopes.allowed.rpc', /does not cover the default binding scope pool:validator.\{instance_id\}:read.basic/],
    ['a duplicate', { allowed: { rpc: ['pool:validator.{instance_id}:read.*', 'pool:validator.{instance_id}:read.*'] } }, 'scopes.allowed.rpc', /listed twice/],
  ])('GIVEN %s THEN the catalog is refused naming file, path and fix', (_, scopes, path, reason) => {
    let error: unknown;
    try {
      load(scopes);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe('catalog.yaml');
    expect((error as ConfigError).path).toBe(path);
    expect((error as ConfigError).reason).toMatch(reason);
  });
});
