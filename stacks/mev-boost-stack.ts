/**
 * MEV-Boost as a middleware service of its own: one mev-boost container that beacon nodes of other
 * instances (or of other operators' setups) point their builder endpoint at. A pure function of
 * MevBoostStackProps.
 *
 * Contract: construct ids `backend`, the provider (`kubernetes` | `aws`), `node` (the target
 * construct); outputs `mev_boost_url`, `network`, `mev_boost_version`, `relay_count`, plus the
 * target's own (see stacks/target.ts).
 */
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { MEV_BOOST } from '../modules/clients/mev-boost';
import type { ContainerSpec } from '../modules/clients/types';
import { configureBackend } from './backend';
import type { MevBoostStackProps } from './props';
import { deployToTarget, validateInstanceName } from './target';

export class MevBoostStack extends TerraformStack {
  readonly container: ContainerSpec;

  constructor(scope: Construct, id: string, props: MevBoostStackProps) {
    super(scope, id);
    validateInstanceName(props.instanceName);
    configureBackend(this, props.backend);
    this.container = MEV_BOOST.container({
      network: props.network,
      image: { version: props.version, ...(props.imageRepository && { imageRepository: props.imageRepository }) },
      relays: props.relays,
      ...(props.minBidEth !== undefined && { minBidEth: props.minBidEth }),
      // Shared middleware: beacon nodes of other instances reach it, so it is an RPC-class port.
      exposure: 'rpc',
    });
    const node = deployToTarget(this, props, { network: props.network, containers: [this.container] });
    new TerraformOutput(this, 'mev_boost_url', {
      value: node.url({ component: 'mev-boost', port: MEV_BOOST.port, scheme: 'http' }),
      description: 'MEV-Boost builder API: the beacon node builder endpoint',
    });
    new TerraformOutput(this, 'network', { value: props.network, description: 'Ethereum network' });
    new TerraformOutput(this, 'mev_boost_version', { value: props.version, description: 'MEV-Boost version' });
    new TerraformOutput(this, 'relay_count', { value: props.relays.length, description: 'relays configured' });
  }
}
