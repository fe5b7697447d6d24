/**
 * A stacks.yaml stack in broker mode: instead of the node's resources, one `ovsb_service_instance` (and
 * optionally a binding) that the broker provisions, so the node goes through the broker's policies,
 * diversity ledger and audit log. A pure function of BrokerInstanceStackProps.
 *
 * Contract: construct ids `backend`, `ovsb` (the provider), `instance`, `binding` (when bound); outputs
 * `instance_id` and `credentials` (sensitive, when bound). No `dashboard_url` output: it is null without
 * a broker public URL, and cdktf-cli 0.21 fails printing a null output after a successful deploy.
 */
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { OvsbProvider, OvsbServiceBinding, OvsbServiceInstance } from '../modules/ovsb/provider';
import { configureBackend } from './backend';
import type { BackendProps } from './props';

export interface BrokerInstanceStackProps {
  /** The broker's base URL; credentials come from OVSB_USERNAME / OVSB_PASSWORD, never from the file. */
  readonly brokerUrl: string;
  /** Service name (names travel between brokers; ids are per catalog). */
  readonly service: string;
  /** Plan name within the service. */
  readonly plan: string;
  /** The OSB instance id. */
  readonly instanceId: string;
  /** Provision parameters, as validated against the catalog. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Also create a binding and output its credentials. @default true */
  readonly binding?: boolean;
  /** @default local state next to the synthesised stack */
  readonly backend?: BackendProps;
}

export class BrokerInstanceStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: BrokerInstanceStackProps) {
    super(scope, id);
    configureBackend(this, props.backend);
    const provider = new OvsbProvider(this, 'ovsb', { url: props.brokerUrl });
    const instance = new OvsbServiceInstance(this, 'instance', {
      provider,
      instanceId: props.instanceId,
      service: props.service,
      plan: props.plan,
      ...(Object.keys(props.parameters).length > 0 && { parameters: props.parameters }),
    });
    new TerraformOutput(this, 'instance_id', { value: instance.instanceId });
    if (props.binding ?? true) {
      const binding = new OvsbServiceBinding(this, 'binding', { provider, instanceId: instance.instanceId });
      new TerraformOutput(this, 'credentials', { value: binding.credentials, sensitive: true });
    }
  }
}
