/**
 * The one place that wires the components of a node together: which containers run, how each
 * reaches its peers (URLs from the target's host names and each client's ports), and what a
 * binding hands out. Targets (modules/kubernetes, modules/aws, modules/sandbox) only turn the
 * result into resources.
 *
 * Wiring, for every EL x CL x network x role (a pair whose pinned releases cannot follow the network's
 * fork is refused, ./forks.ts):
 * - the beacon node reaches the EL's Engine API (`engine` exposure, port 8551) with the JWT file
 *   mounted at the same path (`JWT_PATH`) in both containers, from the instance's `jwt` secret;
 * - the validator role adds the family's validator client (grandine: its built-in validator in the
 *   beacon node) and, when `mevBoost` is set, a MEV-Boost container both beacon node and validator
 *   are pointed at; `builderBoostFactor` only matters with a builder, so it is applied with MEV-Boost;
 *   on a network whose fork enshrines PBS (EIP-7732, Glamsterdam on sepolia) builders bid in-protocol
 *   and MEV-Boost has no part, so `mevBoost` is refused there (./forks.ts `networkBuilders`);
 * - validator keys are a reference: a Secret mounted read-only or a web3signer URL; nothing is
 *   deployed for a web3signer;
 * - the spec's resource, storage and probe overrides are applied last (`withOverrides`).
 */
import type { NodeSpec } from '../../stacks/props';
import { ConfigError } from '../errors';
import { DEFAULT_CHECKPOINT_SYNC_URLS, JWT_PATH, withOverrides, withoutTrailingSlash } from './common';
import type { ProposerSettings } from './definition';
import { CONSENSUS, EXECUTION, MEV_BOOST, comboSupport, forkName, NETWORK_FORKS, networkBuilders, validatorKeysSupport } from './index';
import type {
  Component,
  ContainerSpec,
  NodeTopology,
  PeerEndpoints,
  ServiceEndpoint,
  TopologyEndpoints,
} from './types';

/** Graffiti is a 32-byte field in the block. */
const GRAFFITI_MAX_BYTES = 32;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ZERO_ADDRESS = /^0x0{40}$/;
const HTTP_URL = /^https?:\/\/\S+$/;

export function buildNodeTopology(spec: NodeSpec, hostOf: (c: Component) => string): NodeTopology {
  const proposer = validatedProposer(spec);
  const el = EXECUTION[spec.execution.client];
  const cl = CONSENSUS[spec.consensus.client];
  const peers = peerEndpoints(spec, hostOf);
  const probeOverrides = {
    ...(spec.liveness && { liveness: spec.liveness }),
    ...(spec.readiness && { readiness: spec.readiness }),
  };

  const containers: ContainerSpec[] = [
    withOverrides(
      el.container({ network: spec.network, image: spec.execution, jwtPath: JWT_PATH }),
      { storageGi: spec.executionStorageGi, resources: spec.resources?.execution, ...probeOverrides },
      'execution',
    ),
    withOverrides(
      cl.beacon({
        network: spec.network,
        image: spec.consensus,
        engineUrl: peers.engineUrl,
        jwtPath: JWT_PATH,
        checkpointSyncUrl: withoutTrailingSlash(spec.checkpointSyncUrl ?? DEFAULT_CHECKPOINT_SYNC_URLS[spec.network]),
        ...(peers.mevBoostUrl !== undefined && { mevBoostUrl: peers.mevBoostUrl }),
        ...(proposer && { proposer }),
      }),
      { storageGi: spec.consensusStorageGi, resources: spec.resources?.beacon, ...probeOverrides },
      'beacon',
    ),
  ];
  if (proposer && cl.validator) {
    containers.push(
      withOverrides(
        cl.validator({
          network: spec.network,
          image: spec.consensus,
          beaconApiUrl: peers.beaconApiUrl,
          ...(peers.beaconGrpcHostPort !== undefined && { beaconGrpcHostPort: peers.beaconGrpcHostPort }),
          mevBoost: peers.mevBoostUrl !== undefined,
          proposer,
        }),
        { resources: spec.resources?.validator, ...probeOverrides },
        'validator',
      ),
    );
  }
  if (proposer && spec.mevBoost) {
    containers.push(
      withOverrides(
        MEV_BOOST.container({
          network: spec.network,
          image: spec.mevBoost,
          relays: spec.mevBoost.relays,
          ...(spec.mevBoost.minBidEth !== undefined && { minBidEth: spec.mevBoost.minBidEth }),
        }),
        { resources: spec.resources?.['mev-boost'], ...probeOverrides },
        'mev-boost',
      ),
    );
  }
  return { network: spec.network, containers, endpoints: endpoints(spec, containers) };
}

/** URLs each component uses to reach its peers; host names are the target's. */
export function peerEndpoints(spec: NodeSpec, hostOf: (c: Component) => string): PeerEndpoints {
  const el = EXECUTION[spec.execution.client];
  const cl = CONSENSUS[spec.consensus.client];
  const beaconHost = hostOf('beacon');
  const keys = spec.validatorKeys;
  return {
    engineUrl: `http://${hostOf('execution')}:${el.ports.engine}`,
    beaconApiUrl: `http://${beaconHost}:${cl.ports.rest}`,
    ...(cl.ports.grpc !== undefined && { beaconGrpcHostPort: `${beaconHost}:${cl.ports.grpc}` }),
    ...(spec.role === 'validator' && spec.mevBoost && { mevBoostUrl: `http://${hostOf('mev-boost')}:${MEV_BOOST.port}` }),
    ...(keys?.kind === 'web3signer' && { web3signerUrl: keys.url }),
  };
}

function endpoints(spec: NodeSpec, containers: readonly ContainerSpec[]): TopologyEndpoints {
  const el = EXECUTION[spec.execution.client];
  const cl = CONSENSUS[spec.consensus.client];
  const metrics: Partial<Record<Component, ServiceEndpoint>> = {};
  for (const container of containers) {
    const port = container.ports.find((p) => p.name === 'metrics');
    if (port) {
      metrics[container.component] = {
        component: container.component,
        port: port.port,
        scheme: 'http',
        ...(port.path !== undefined && { path: port.path }),
      };
    }
  }
  const mevBoost = containers.find((c) => c.component === 'mev-boost');
  return {
    executionHttp: { component: 'execution', port: el.ports.http, scheme: 'http' },
    executionWs: { component: 'execution', port: el.ports.ws, scheme: 'ws' },
    beaconApi: { component: 'beacon', port: cl.ports.rest, scheme: 'http' },
    metrics,
    ...(mevBoost && { mevBoost: { component: 'mev-boost', port: MEV_BOOST.port, scheme: 'http' } }),
  };
}

/** Checks the spec; returns the proposer settings of the validator role (none for rpc). */
function validatedProposer(spec: NodeSpec): ProposerSettings | undefined {
  const combo = comboSupport(spec.execution, spec.consensus, spec.network);
  if (!combo.ok) {
    throw new ConfigError(
      'node spec',
      combo.cause === 'release' ? 'execution.version, consensus.version' : 'execution.client',
      `${spec.execution.client} ${spec.execution.version} with ${spec.consensus.client} ${spec.consensus.version} on ${spec.network} cannot work: ${combo.reason}${combo.cause === 'network' ? '; pick another combination' : ''}`,
    );
  }
  const storageFloor = EXECUTION[spec.execution.client].minimumStorageGi?.[spec.network];
  if (spec.executionStorageGi !== undefined && storageFloor !== undefined && spec.executionStorageGi < storageFloor) {
    throw new ConfigError(
      'node spec',
      'executionStorageGi',
      `${spec.execution.client} needs at least ${storageFloor} GiB on ${spec.network}, got ${spec.executionStorageGi}; give ${storageFloor} or more`,
    );
  }
  const checkpoint = spec.checkpointSyncUrl;
  if (checkpoint !== undefined && !HTTP_URL.test(checkpoint)) {
    throw new ConfigError('node spec', 'checkpointSyncUrl', `must be an http(s) URL of a beacon API, got "${checkpoint}"`);
  }
  if (spec.role === 'rpc') {
    const validatorOnly = (
      ['feeRecipient', 'graffiti', 'mevBoost', 'builderBoostFactor', 'validatorKeys', 'doppelgangerProtection'] as const
    ).filter((field) => spec[field] !== undefined);
    if (validatorOnly.length > 0) {
      throw new ConfigError(
        'node spec',
        validatorOnly.join(', '),
        'these settings belong to the validator role; an rpc node proposes no blocks: remove them or use the validator role',
      );
    }
    return undefined;
  }
  if (spec.mevBoost && networkBuilders(spec.network) === 'in-protocol') {
    throw new ConfigError('node spec', 'mevBoost', inProtocolBuilders(spec.network));
  }
  const { feeRecipient, graffiti, validatorKeys: keys } = spec;
  if (feeRecipient === undefined || !ADDRESS.test(feeRecipient)) {
    throw new ConfigError(
      'node spec',
      'feeRecipient',
      `the validator role needs a 0x address (20 bytes) to receive priority fees and MEV, got ${feeRecipient ?? 'none'}`,
    );
  }
  if (ZERO_ADDRESS.test(feeRecipient)) {
    throw new ConfigError(
      'node spec',
      'feeRecipient',
      `${feeRecipient} is the zero address: priority fees and MEV sent there are burned; give an address you control`,
    );
  }
  if (graffiti !== undefined && Buffer.byteLength(graffiti, 'utf8') > GRAFFITI_MAX_BYTES) {
    throw new ConfigError('node spec', 'graffiti', `must fit in ${GRAFFITI_MAX_BYTES} bytes (UTF-8), got "${graffiti}"`);
  }
  if (keys) {
    const support = validatorKeysSupport(spec.consensus.client, keys.kind);
    if (!support.ok) throw new ConfigError('node spec', 'validatorKeys', support.reason);
    if (keys.kind === 'web3signer' && !HTTP_URL.test(keys.url)) {
      throw new ConfigError('node spec', 'validatorKeys.url', `must be an http(s) URL of a web3signer, got "${keys.url}"`);
    }
  }
  return {
    feeRecipient,
    ...(graffiti !== undefined && { graffiti }),
    ...(spec.builderBoostFactor !== undefined && { builderBoostFactor: spec.builderBoostFactor }),
    doppelgangerProtection: spec.doppelgangerProtection ?? true,
    ...(keys && { keys }),
  };
}

/** Why MEV-Boost is not wired on a network whose fork enshrines proposer-builder separation. */
export function inProtocolBuilders(network: NodeSpec['network']): string {
  return `${network} runs ${forkName(NETWORK_FORKS[network].fork)}, which enshrines proposer-builder separation (EIP-7732): the beacon node takes builders' bids itself and MEV-Boost has no part (the clients' builder flags have no effect from the fork on); remove mevBoost`;
}
