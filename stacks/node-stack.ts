/**
 * The node stacks: one Ethereum node instance (execution client + beacon node, plus the validator
 * client for the validator role) on one target. A pure function of NodeStackProps.
 *
 * Contract (consumers and the broker depend on these names):
 * - construct ids: `backend`, the provider (`kubernetes` | `aws`), `node` (the target construct;
 *   see modules/<target>/node.ts for the ids inside it).
 * - outputs, every target: `execution_http_url`, `execution_ws_url`, `beacon_api_url`,
 *   `metrics_urls` (map: component -> URL), `mev_boost_url` (when MEV-Boost is wired in and the target publishes it: not on AWS),
 *   `network`, `role`, `target`, `execution_client`, `execution_version`, `consensus_client`,
 *   `consensus_version`, `fee_recipient` (validator role).
 * - `jwt_secret` (sensitive) on kubernetes and sandbox. The AWS host generates its own and never
 *   publishes the Engine API, so there is nothing a consumer could use it for.
 * - per target: `namespace` (kubernetes); `instance_id`, `host_private_ip` (the ENI's: stable across
 *   instance replacements), `host_public_ip` (the Elastic IP, unless publicIp is false) (aws);
 *   `notice` (sandbox: "no nodes run").
 */
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { NodeTopology, Role } from '../modules/clients/types';
import { buildNodeTopology } from '../modules/clients/topology';
import { ConfigError } from '../src/errors';
import { configureBackend } from './backend';
import type { NodeStackProps } from './props';
import { withProbeSettings } from './probes';
import { deployToTarget, targetHostOf, validateInstanceName, type TargetNode } from './target';

export abstract class NodeStack extends TerraformStack {
  readonly topology: NodeTopology;

  protected constructor(scope: Construct, id: string, props: NodeStackProps, role: Role) {
    super(scope, id);
    if (props.role !== role) {
      throw new ConfigError(
        'stack props',
        'role',
        `${new.target.name} deploys the "${role}" role, got "${props.role}"; use the stack class of that role`,
      );
    }
    validateInstanceName(props.instanceName);
    configureBackend(this, props.backend);
    this.topology = withProbeSettings(buildNodeTopology(props, targetHostOf(props)), props, props.target);
    const rollout = props.readiness?.appStartTimeoutSec;
    const node = deployToTarget(this, props, this.topology, rollout === undefined ? {} : { rolloutTimeoutSeconds: rollout });
    this.declareOutputs(props, node);
  }

  private declareOutputs(props: NodeStackProps, node: TargetNode): void {
    const { endpoints } = this.topology;
    const output = (id: string, value: unknown, description: string) =>
      new TerraformOutput(this, id, { value, description });

    output('execution_http_url', node.url(endpoints.executionHttp), 'execution client JSON-RPC over HTTP');
    output('execution_ws_url', node.url(endpoints.executionWs), 'execution client JSON-RPC over WebSocket');
    output('beacon_api_url', node.url(endpoints.beaconApi), 'beacon node REST API');
    output(
      'metrics_urls',
      Object.fromEntries(
        Object.entries(endpoints.metrics).flatMap(([component, endpoint]) =>
          endpoint ? [[component, node.url(endpoint)]] : [],
        ),
      ),
      'Prometheus endpoints by component',
    );
    // On AWS the validator's MEV-Boost listens on the host only; nothing outside needs it.
    if (endpoints.mevBoost && node.publishes(endpoints.mevBoost)) output('mev_boost_url', node.url(endpoints.mevBoost), 'MEV-Boost builder API');
    output('network', props.network, 'Ethereum network');
    output('role', props.role, 'validator or rpc');
    output('target', props.target, 'where the node runs');
    output('execution_client', props.execution.client, 'execution client');
    output('execution_version', props.execution.version, 'execution client version');
    output('consensus_client', props.consensus.client, 'consensus client');
    output('consensus_version', props.consensus.version, 'consensus client version');
    if (props.role === 'validator' && props.feeRecipient) {
      output('fee_recipient', props.feeRecipient, 'address receiving priority fees and MEV');
    }
    if (node.jwtSecret) {
      new TerraformOutput(this, 'jwt_secret', {
        value: node.jwtSecret,
        sensitive: true,
        description: 'Engine API JWT shared by the execution client and the beacon node',
      });
    }
  }
}

/** Execution client + beacon node + validator client (grandine: its built-in one). */
export class ValidatorNodeStack extends NodeStack {
  constructor(scope: Construct, id: string, props: NodeStackProps) {
    super(scope, id, props, 'validator');
  }
}

/** Execution client + beacon node: RPC access, no validator. */
export class RpcNodeStack extends NodeStack {
  constructor(scope: Construct, id: string, props: NodeStackProps) {
    super(scope, id, props, 'rpc');
  }
}
