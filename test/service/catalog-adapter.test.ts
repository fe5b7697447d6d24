import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load';
import { serviceCatalogOf } from '../../src/service/catalog-adapter';

const catalog = loadCatalog();
const port = serviceCatalogOf(catalog);

describe('the catalog as the service layer sees it', () => {
  it('GIVEN every plan of the published OSB catalog THEN its view carries the advertised flags', () => {
    const osb = catalog.toOsbCatalog();
    for (const service of osb.services) {
      expect(port.hasService(service.id)).toBe(true);
      for (const plan of service.plans) {
        expect(port.findPlan(service.id, plan.id)).toEqual({
          serviceId: service.id,
          planId: plan.id,
          planName: plan.name,
          serviceName: service.name,
          bindable: plan.bindable,
          planUpdateable: plan.plan_updateable,
          bindingRotatable: true,
          instancesRetrievable: service.instances_retrievable,
          bindingsRetrievable: service.bindings_retrievable,
          requiresApp: false,
          maintenanceInfo: plan.maintenance_info,
          maximumPollingDurationSec: plan.maximum_polling_duration,
        });
      }
    }
    expect(port.osbCatalog()).toEqual(osb);
  });

  it('finds a plan only under its own service', () => {
    const [first, second] = catalog.services;
    expect(port.findPlan(second!.id, first!.plans[0]!.id)).toBeUndefined();
    expect(port.hasService('no-such-service')).toBe(false);
  });

  it('validates parameters with the plan schema, each problem naming its field', () => {
    const plan = catalog.plans.find((p) => p.kind === 'node' && p.target === 'sandbox' && p.role === 'validator')!;
    const view = port.findPlan(plan.serviceId, plan.id)!;
    expect(port.validateParameters(view, { fee_recipient: '0x388C818CA8B9251b393131C08a736A67ccB19297' }, 'create')).toEqual([]);
    const problems = port.validateParameters(view, { fee_recipient: 'nope', colour: 'blue' }, 'create');
    expect(problems.map((p) => p.message).join(' ')).toContain('fee_recipient');
    expect(problems.map((p) => p.message).join(' ')).toContain('colour');
    expect(port.validateParameters(view, { scopes: [] }, 'bind').length).toBeGreaterThan(0);
  });

  it('keeps validator key references secret: validator_keys is writeOnly on validator plans, nothing is on RPC plans', () => {
    const validator = catalog.plans.find((p) => p.kind === 'node' && p.role === 'validator')!;
    const rpc = catalog.plans.find((p) => p.kind === 'node' && p.role === 'rpc')!;
    expect(port.secretParameters(port.findPlan(validator.serviceId, validator.id)!, 'create')).toEqual(['validator_keys']);
    expect(port.secretParameters(port.findPlan(rpc.serviceId, rpc.id)!, 'create')).toEqual([]);
  });

  it('marks no parameter secret unless its schema says writeOnly', () => {
    const plan = catalog.plans[0]!;
    const view = port.findPlan(plan.serviceId, plan.id)!;
    const schema = catalog.parameterSchema(plan, 'create') as { properties: Record<string, { writeOnly?: boolean }> };
    const writeOnly = Object.entries(schema.properties).filter(([, p]) => p.writeOnly === true).map(([name]) => name);
    expect(port.secretParameters(view, 'create')).toEqual(writeOnly);
  });
});
