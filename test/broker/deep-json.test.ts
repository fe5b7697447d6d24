/**
 * Deeply nested JSON: every JSON value the broker accepts (parameters, context, bind_resource, the
 * originating identity's value) is bounded, so a value thousands of levels deep (well inside the body
 * limit) is a 400 naming the field, never a 202 whose identical retry overflows the stack (500).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan } from '../../src/catalog/model';
import { jsonBoundsViolation, jsonEqual, MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../src/json';
import type { JsonValue } from '../../src/operations/types';
import { createHarness, osb, sandboxPlan, type Harness } from './harness';

/** `{"a":{"a":...1}}` as text, `depth` levels: JSON.parse reads it, a recursive walk would not. */
const nestedText = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const nestedValue = (depth: number): JsonValue => JSON.parse(nestedText(depth)) as JsonValue;

describe('JSON bounds (pure)', () => {
  it('jsonEqual compares values 100,000 levels deep without recursion', () => {
    expect(jsonEqual(nestedValue(100_000), nestedValue(100_000))).toBe(true);
    expect(jsonEqual(nestedValue(100_000), nestedValue(99_999))).toBe(false);
    expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
  });

  it('names where a value breaks the depth or the size bound', () => {
    expect(jsonBoundsViolation(nestedValue(MAX_JSON_DEPTH), 'parameters')).toBeUndefined();
    expect(jsonBoundsViolation(nestedValue(MAX_JSON_DEPTH + 1), 'parameters')).toMatchObject({ limit: 'depth' });
    expect(jsonBoundsViolation(nestedValue(50_000), 'context')?.path).toMatch(/^context\.a\.a/);
    expect(jsonBoundsViolation({ list: Array.from({ length: MAX_JSON_VALUES }, () => 0) }, 'p')).toMatchObject({ limit: 'values' });
  });
});

describe('deeply nested request values -> 400 naming the field', () => {
  let h: Harness;
  let plan: NodePlan;
  let n = 0;
  const newId = () => `deep-${++n}-${Date.now().toString(36)}`;
  const provisionText = (field: 'parameters' | 'context', depth: number) =>
    `{"service_id":"${plan.serviceId}","plan_id":"${plan.id}","organization_guid":"o","space_guid":"s","${field}":${nestedText(depth)}}`;

  beforeAll(async () => {
    h = await createHarness({ engine: 'sqlite', hold: true });
    plan = sandboxPlan(h.catalog);
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([
    ['parameters', 4_000],
    ['context', 3_500],
    ['parameters', 40],
  ] as const)('provision with %s nested %i levels: 400 naming it, and its retry too (nothing stored)', async (field, depth) => {
    const id = newId();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const res = await osb(h.app).put(`/v2/service_instances/${id}?accepts_incomplete=true`).set('Content-Type', 'application/json').send(provisionText(field, depth));
      expect(res.status).toBe(400);
      expect(res.body.description).toContain(field);
    }
    expect(await h.storage.getInstance(id)).toBeUndefined();
  });

  it('update and bind: deep parameters, context and bind_resource -> 400 naming the field', async () => {
    const id = newId();
    expect((await osb(h.app).put(`/v2/service_instances/${id}?accepts_incomplete=true`).send({ service_id: plan.serviceId, plan_id: plan.id, organization_guid: 'o', space_guid: 's' })).status).toBe(202);
    await h.runQueued();
    const patch = await osb(h.app)
      .patch(`/v2/service_instances/${id}?accepts_incomplete=true`)
      .set('Content-Type', 'application/json')
      .send(`{"service_id":"${plan.serviceId}","context":${nestedText(3_500)}}`);
    expect(patch.status).toBe(400);
    expect(patch.body.description).toContain('context');
    for (const field of ['bind_resource', 'parameters', 'context']) {
      const bind = await osb(h.app)
        .put(`/v2/service_instances/${id}/service_bindings/b-${field}`)
        .set('Content-Type', 'application/json')
        .send(`{"service_id":"${plan.serviceId}","plan_id":"${plan.id}","${field}":${nestedText(3_500)}}`);
      expect(bind.status).toBe(400);
      expect(bind.body.description).toContain(field);
    }
  });

  it('an originating identity value nested 1,500 levels (under the 16 kB header limit) -> 400 naming the header', async () => {
    const header = `kubernetes ${Buffer.from(nestedText(1_500)).toString('base64')}`;
    const res = await osb(h.app)
      .put(`/v2/service_instances/${newId()}?accepts_incomplete=true`)
      .set('X-Broker-API-Originating-Identity', header)
      .send({ service_id: plan.serviceId, plan_id: plan.id, organization_guid: 'o', space_guid: 's' });
    expect(res.status).toBe(400);
    expect(res.body.description).toContain('X-Broker-API-Originating-Identity');
  });

  it('a body that is only deep nesting (no known field) -> 400, never 500', async () => {
    const res = await osb(h.app)
      .put(`/v2/service_instances/${newId()}?accepts_incomplete=true`)
      .set('Content-Type', 'application/json')
      .send(`{"junk":${nestedText(6_000)}}`);
    expect(res.status).toBe(400);
    expect(res.body.description).toContain('junk');
  });
});
