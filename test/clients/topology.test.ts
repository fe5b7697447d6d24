/**
 * Wiring rules of buildNodeTopology, asserted for EVERY execution x consensus x network x role
 * (and, for the validator role, a full and a minimal variant), not a sample.
 */
import { describe, expect, it } from 'vitest';
import { CONSENSUS, EXECUTION } from '../../modules/clients/index';
import { isAtLeast, minimumRelease, networkBuilders } from '../../modules/clients/forks';
import { buildNodeTopology } from '../../modules/clients/topology';
import {
  CONSENSUS_CLIENTS,
  EXECUTION_CLIENTS,
  NETWORKS,
  type ConsensusClientName,
  type ContainerSpec,
  type ExecutionClientName,
  type Network,
  type NodeTopology,
} from '../../modules/clients/types';
import type { NodeSpec } from '../../stacks/props';
import {
  BOOST_FACTOR_100,
  CHECKPOINT_URL,
  CL_FLAGS,
  CL_NETWORK_ARG,
  EL_FLAGS,
  EL_NETWORK_ARG,
  FEE_RECIPIENT,
  MEV_BOOST_NETWORK_ARG,
  RELAY,
  VC_FLAGS,
  VC_NETWORK_ARG,
  flagValue,
  flagValues,
  hasFlag,
  hostOf,
} from './expectations';

const JWT = '/secrets/jwt/jwt.hex';
const KEYS_SECRET = 'validator-keys';

function container(topology: NodeTopology, component: ContainerSpec['component']): ContainerSpec {
  const found = topology.containers.find((c) => c.component === component);
  if (!found) throw new Error(`no ${component} container in ${topology.containers.map((c) => c.component).join(', ')}`);
  return found;
}

/** The definition's default release, or the network's minimum where the default cannot follow it. */
function releaseFor(client: ExecutionClientName | ConsensusClientName, network: Network): string {
  const definition = client in EXECUTION ? EXECUTION[client as ExecutionClientName] : CONSENSUS[client as ConsensusClientName];
  const minimum = minimumRelease(client, network).version;
  if (minimum === undefined) throw new Error(`no ${client} release follows ${network}`);
  return isAtLeast(definition.defaultVersion, minimum) ? definition.defaultVersion : minimum;
}

/** Whether some release of the client is known to follow the network's fork (./forks.ts). */
const followsNetwork = (client: ExecutionClientName | ConsensusClientName, network: Network): boolean =>
  minimumRelease(client, network).version !== undefined;

function baseSpec(el: ExecutionClientName, cl: ConsensusClientName, network: Network): NodeSpec {
  return {
    network,
    role: 'rpc',
    execution: { client: el, version: releaseFor(el, network) },
    consensus: { client: cl, version: releaseFor(cl, network) },
  };
}

function fullValidatorSpec(el: ExecutionClientName, cl: ConsensusClientName, network: Network): NodeSpec {
  return {
    ...baseSpec(el, cl, network),
    role: 'validator',
    feeRecipient: FEE_RECIPIENT,
    graffiti: 'ovsb-test',
    // Enshrined PBS (sepolia's Glamsterdam): no MEV-Boost; the refusal is asserted below.
    ...(networkBuilders(network) === 'mev-boost' && { mevBoost: { version: '1.10', relays: [RELAY], minBidEth: 0.05 } }),
    builderBoostFactor: 100,
    validatorKeys: { kind: 'kubernetes-secret', secretName: KEYS_SECRET },
  };
}

function minimalValidatorSpec(el: ExecutionClientName, cl: ConsensusClientName, network: Network): NodeSpec {
  return { ...baseSpec(el, cl, network), role: 'validator', feeRecipient: FEE_RECIPIENT, doppelgangerProtection: false };
}

/** The container holding the validator's flags: the VC, or grandine's beacon node. */
function validatorFlagsHolder(topology: NodeTopology, cl: ConsensusClientName): ContainerSpec {
  return container(topology, cl === 'grandine' ? 'beacon' : 'validator');
}

function assertNodeWiring(topology: NodeTopology, el: ExecutionClientName, cl: ConsensusClientName, network: Network): void {
  const execution = container(topology, 'execution');
  const beacon = container(topology, 'beacon');
  const elFlags = EL_FLAGS[el];
  const clFlags = CL_FLAGS[cl];

  // Engine API on 8551 with one JWT file mounted on both sides.
  expect(flagValue(execution.args, elFlags.enginePort)).toBe('8551');
  expect(execution.ports.find((p) => p.exposure === 'engine')).toMatchObject({ port: 8551, protocol: 'TCP' });
  expect(flagValue(beacon.args, clFlags.engineUrl)).toBe(`http://${hostOf('execution')}:8551`);
  expect(flagValue(execution.args, elFlags.engineJwt)).toBe(JWT);
  expect(flagValue(beacon.args, clFlags.jwt)).toBe(JWT);
  for (const c of [execution, beacon]) {
    expect(c.secretMounts).toContainEqual({ source: { kind: 'jwt' }, mountPath: JWT });
  }

  // Listeners other pods reach are bound to every interface.
  for (const flag of elFlags.bindAll) expect(flagValue(execution.args, flag), `${el} ${flag}`).toBe('0.0.0.0');
  for (const flag of clFlags.bindAll) expect(flagValue(beacon.args, flag), `${cl} ${flag}`).toBe('0.0.0.0');
  if (el === 'reth') expect(flagValue(execution.args, '--metrics')).toMatch(/^0\.0\.0\.0:\d+$/);

  // What is off by default is turned on.
  for (const flag of elFlags.enable) expect(execution.args, `${el} ${flag}`).toContain(flag);
  for (const flag of clFlags.enable) expect(beacon.args, `${cl} ${flag}`).toContain(flag);

  // Client-specific network syntax.
  expect(execution.args).toContain(EL_NETWORK_ARG[el][network]);
  expect(beacon.args).toContain(CL_NETWORK_ARG[cl][network]);

  // Ports: the RPC ports the flags name, with the exposure that keeps them private.
  expect(Number(flagValue(execution.args, elFlags.httpPort))).toBe(topology.endpoints.executionHttp.port);
  expect(Number(flagValue(beacon.args, clFlags.restPort))).toBe(topology.endpoints.beaconApi.port);
  expect(execution.ports.find((p) => p.port === topology.endpoints.executionHttp.port)?.exposure).toBe('rpc');
  expect(beacon.ports.find((p) => p.port === topology.endpoints.beaconApi.port)?.exposure).toBe('rpc');
  expect(execution.ports.filter((p) => p.exposure === 'p2p').map((p) => `${p.port}/${p.protocol}`)).toEqual(
    expect.arrayContaining(['30303/TCP', '30303/UDP']),
  );
  expect(beacon.ports.some((p) => p.exposure === 'p2p' && p.protocol === 'TCP')).toBe(true);
  expect(beacon.ports.some((p) => p.exposure === 'p2p' && p.protocol === 'UDP')).toBe(true);
  // Reth's discv5 must not take the consensus client's 9000.
  for (const port of execution.ports) expect(port.port).not.toBe(9000);

  // Metrics on, on explicit ports that match the declared metrics port.
  if (elFlags.metricsEnable) expect(execution.args).toContain(elFlags.metricsEnable);
  if (clFlags.metricsEnable) expect(beacon.args).toContain(clFlags.metricsEnable);
  expect(topology.endpoints.metrics.execution?.port).toBe(execution.ports.find((p) => p.name === 'metrics')?.port);
  expect(Number(flagValue(beacon.args, clFlags.metricsPort))).toBe(topology.endpoints.metrics.beacon?.port);

  // Checkpoint sync by default, per client.
  if (clFlags.checkpoint) {
    expect(flagValue(beacon.args, clFlags.checkpoint)).toBe(CHECKPOINT_URL[network]);
  } else {
    const sync = beacon.initContainers.find((init) => init.args.includes('trustedNodeSync'));
    expect(sync, 'nimbus trustedNodeSync init container').toBeDefined();
    expect(flagValue(sync!.args, '--trusted-node-url')).toBe(CHECKPOINT_URL[network]);
    expect(sync!.args).toContain(CL_NETWORK_ARG.nimbus[network]);
    expect(flagValue(sync!.args, '--data-dir')).toBe(beacon.dataVolume?.mountPath);
  }
  if (cl === 'prysm') {
    expect(flagValue(beacon.args, '--genesis-beacon-api-url')).toBe(CHECKPOINT_URL[network]);
  }

  // Persistent volumes sized for the network.
  expect(execution.dataVolume).toBeDefined();
  expect(beacon.dataVolume).toBeDefined();
  expect(execution.dataVolume!.sizeGi).toBe(EXECUTION[el].storageGi[network]);
  expect(beacon.dataVolume!.sizeGi).toBe(CONSENSUS[cl].storageGi[network]);
  if (network === 'mainnet') {
    expect(execution.dataVolume!.sizeGi).toBeGreaterThanOrEqual(1000);
    expect(beacon.dataVolume!.sizeGi).toBeGreaterThanOrEqual(200);
  }

  // Probes: liveness on the API port; the beacon is ready per the beacon API health endpoint.
  expect(execution.liveness).toMatchObject({ type: 'tcp', port: topology.endpoints.executionHttp.port, successThreshold: 1 });
  expect(beacon.liveness).toMatchObject({ type: 'tcp', port: topology.endpoints.beaconApi.port, successThreshold: 1 });
  expect(beacon.readiness).toMatchObject({ type: 'http', port: topology.endpoints.beaconApi.port, path: '/eth/v1/node/health' });
  expect(execution.readiness?.port).toBe(topology.endpoints.executionHttp.port);

  // Images pinned to the selected version, never a moving tag.
  expect(execution.image).toBe(`${EXECUTION[el].imageRepository}:${releaseFor(el, network)}`);
  expect(beacon.image).toBe(`${CONSENSUS[cl].imageRepository}:${releaseFor(cl, network)}`);
}

function assertCommonInvariants(topology: NodeTopology): void {
  for (const c of topology.containers) {
    // Port names are Kubernetes names: unique, at most 15 characters.
    const names = c.ports.map((p) => p.name);
    expect(new Set(names).size, `${c.component} port names`).toBe(names.length);
    for (const name of names) expect(name.length, name).toBeLessThanOrEqual(15);
    expect(c.image).not.toMatch(/:(latest|stable)$/);
    expect(c.resources.cpuRequest).toBeTruthy();
    expect(c.liveness?.successThreshold).toBe(1);
    if (c.component !== 'mev-boost') expect(c.dataVolume, `${c.component} data volume`).toBeDefined();
  }
  // One host (aws) publishes p2p, rpc and metrics ports of every container: no two may collide.
  const published = topology.containers.flatMap((c) =>
    c.ports.filter((p) => p.exposure !== 'engine' && p.exposure !== 'internal').map((p) => `${p.port}/${p.protocol}`),
  );
  expect(new Set(published).size, published.join(' ')).toBe(published.length);
  // Every endpoint names a port its component declares.
  const { endpoints } = topology;
  for (const endpoint of [endpoints.executionHttp, endpoints.executionWs, endpoints.beaconApi, ...Object.values(endpoints.metrics)]) {
    expect(container(topology, endpoint!.component).ports.some((p) => p.port === endpoint!.port)).toBe(true);
  }
}

describe.each(NETWORKS)('on %s', (network) => {
  const withMevBoost = networkBuilders(network) === 'mev-boost';
  describe.each(EXECUTION_CLIENTS)('%s', (el) => {
    describe.each(CONSENSUS_CLIENTS)('with %s', (cl) => {
      if (!followsNetwork(el, network) || !followsNetwork(cl, network)) {
        it('is refused: no release of a client follows the fork the network runs', () => {
          // GIVEN the definitions' defaults WHEN the topology is built THEN it names the missing release
          const spec: NodeSpec = {
            network,
            role: 'rpc',
            execution: { client: el, version: EXECUTION[el].defaultVersion },
            consensus: { client: cl, version: CONSENSUS[cl].defaultVersion },
          };
          const missing = [el, cl].filter((client) => !followsNetwork(client, network));
          expect(() => buildNodeTopology(spec, hostOf)).toThrow(new RegExp(`no ${missing[0]} release is known to follow`));
        });
        return;
      }

      it('rpc role: EL + beacon node wired, no validator, no MEV-Boost', () => {
        // GIVEN an rpc node spec WHEN the topology is built
        const topology = buildNodeTopology(baseSpec(el, cl, network), hostOf);
        // THEN
        expect(topology.containers.map((c) => c.component)).toEqual(['execution', 'beacon']);
        assertNodeWiring(topology, el, cl, network);
        assertCommonInvariants(topology);
        expect(topology.endpoints.mevBoost).toBeUndefined();
        const beacon = container(topology, 'beacon');
        expect(hasFlag(beacon.args, CL_FLAGS[cl].feeRecipient)).toBe(false);
        expect(hasFlag(beacon.args, CL_FLAGS[cl].builderUrl)).toBe(false);
      });

      it(
        withMevBoost
          ? 'validator role with MEV-Boost, keys from a Secret, graffiti and boost factor'
          : 'validator role with keys from a Secret and graffiti; MEV-Boost refused (enshrined PBS)',
        () => {
        // GIVEN a full validator spec WHEN the topology is built
        const topology = buildNodeTopology(fullValidatorSpec(el, cl, network), hostOf);
        const beacon = container(topology, 'beacon');
        const holder = validatorFlagsHolder(topology, cl);
        const vc = VC_FLAGS[cl];
        // THEN the node is wired like any other
        assertNodeWiring(topology, el, cl, network);
        assertCommonInvariants(topology);
        const components = cl === 'grandine' ? ['execution', 'beacon'] : ['execution', 'beacon', 'validator'];
        expect(topology.containers.map((c) => c.component)).toEqual(withMevBoost ? [...components, 'mev-boost'] : components);

        // Fee recipient on the validator and as the beacon node's fallback; graffiti.
        expect(flagValue(beacon.args, CL_FLAGS[cl].feeRecipient)).toBe(FEE_RECIPIENT);
        expect(flagValue(holder.args, vc.feeRecipient)).toBe(FEE_RECIPIENT);
        expect(flagValue(holder.args, vc.graffiti)).toBe('ovsb-test');

        const boost = BOOST_FACTOR_100[cl];
        const boostHolder = container(topology, boost.component);
        if (withMevBoost) {
          // MEV-Boost: beacon side, validator side, and the sidecar itself.
          const mevUrl = `http://${hostOf('mev-boost')}:18550`;
          expect(flagValue(beacon.args, CL_FLAGS[cl].builderUrl)).toBe(mevUrl);
          for (const flag of vc.builder) expect(hasFlag(holder.args, flag), flag).toBe(true);
          if (cl === 'nimbus') expect(beacon.args).toContain('--payload-builder=true');
          if (cl === 'lodestar') expect(beacon.args).toContain('--builder');
          const mev = container(topology, 'mev-boost');
          expect(mev.args).toContain(MEV_BOOST_NETWORK_ARG[network]);
          expect(flagValue(mev.args, '-addr')).toBe('0.0.0.0:18550');
          expect(flagValue(mev.args, '-relays')).toBe(RELAY);
          expect(flagValue(mev.args, '-min-bid')).toBe('0.05');
          expect(mev.ports).toEqual([{ name: 'builder-api', port: 18550, protocol: 'TCP', exposure: 'internal' }]);
          expect(topology.endpoints.mevBoost).toEqual({ component: 'mev-boost', port: 18550, scheme: 'http' });

          // Builder boost factor where the client supports one.
          for (const arg of boost.args) expect(boostHolder.args, arg).toContain(arg);
        } else {
          // Enshrined PBS: the pre-Gloas builder flags have no effect, so none are emitted, the boost
          // factor (applied with MEV-Boost only) neither; asking for MEV-Boost is refused.
          expect(hasFlag(beacon.args, CL_FLAGS[cl].builderUrl)).toBe(false);
          for (const flag of vc.builder) expect(hasFlag(holder.args, flag), flag).toBe(false);
          for (const arg of boost.args) expect(boostHolder.args, arg).not.toContain(arg);
          expect(topology.endpoints.mevBoost).toBeUndefined();
          const withSidecar: NodeSpec = { ...fullValidatorSpec(el, cl, network), mevBoost: { version: '1.10', relays: [RELAY] } };
          expect(() => buildNodeTopology(withSidecar, hostOf)).toThrow(/enshrines proposer-builder separation \(EIP-7732\).*remove mevBoost/);
        }

        // Doppelganger protection on by default.
        for (const arg of vc.doppelgangerOn) expect(holder.args, arg).toContain(arg);
        if (cl === 'teku') expect(beacon.args).toContain('--beacon-liveness-tracking-enabled=true');

        // Keys by reference: the Secret is mounted read-only where the validator runs.
        expect(holder.secretMounts).toContainEqual({
          source: { kind: 'external', secretName: KEYS_SECRET },
          mountPath: '/secrets/validator-keys',
        });

        if (cl !== 'grandine') {
          const validator = container(topology, 'validator');
          // The VC reaches its own beacon node; prysm over gRPC host:port without a scheme.
          expect(flagValue(validator.args, vc.beaconNode ?? '')).toBe(
            cl === 'prysm' ? `${hostOf('beacon')}:4000` : `http://${hostOf('beacon')}:${topology.endpoints.beaconApi.port}`,
          );
          const vcNetwork = VC_NETWORK_ARG[cl];
          if (vcNetwork) expect(validator.args).toContain(vcNetwork[network]);
          expect(flagValue(validator.args, vc.metricsBind)).toBe('0.0.0.0');
          expect(Number(flagValue(validator.args, vc.metricsPort))).toBe(topology.endpoints.metrics.validator?.port);
          expect(validator.dataVolume?.sizeGi).toBeGreaterThan(0);
          // Keys reach the client: read by an init container that imports or lays them out.
          expect(validator.initContainers.length).toBeGreaterThan(0);
          for (const init of validator.initContainers) {
            expect(init.args.join(' ')).toContain('/secrets/validator-keys');
          }
          if (cl === 'prysm') expect(validator.args).toContain('--accept-terms-of-use');
        }
        if (cl === 'prysm') expect(beacon.args).toContain('--accept-terms-of-use');
        },
      );

      it('validator role without MEV-Boost or keys, doppelganger protection off', () => {
        // GIVEN a minimal validator spec WHEN the topology is built
        const topology = buildNodeTopology(minimalValidatorSpec(el, cl, network), hostOf);
        const beacon = container(topology, 'beacon');
        const holder = validatorFlagsHolder(topology, cl);
        const vc = VC_FLAGS[cl];
        // THEN
        assertNodeWiring(topology, el, cl, network);
        assertCommonInvariants(topology);
        expect(topology.containers.some((c) => c.component === 'mev-boost')).toBe(false);
        expect(hasFlag(beacon.args, CL_FLAGS[cl].builderUrl)).toBe(false);
        for (const flag of vc.builder) expect(hasFlag(holder.args, flag), flag).toBe(false);
        expect(flagValue(holder.args, vc.feeRecipient)).toBe(FEE_RECIPIENT);
        expect(hasFlag(holder.args, vc.graffiti)).toBe(false);
        for (const arg of vc.doppelgangerOn) expect(holder.args).not.toContain(arg);
        for (const arg of vc.doppelgangerOff) expect(holder.args).toContain(arg);
        expect(holder.secretMounts.some((m) => m.source.kind === 'external')).toBe(false);
        expect(flagValues(holder.args, '--builder-boost-factor')).toEqual([]);
      });
    });
  });
});
