/**
 * Flashbots MEV-Boost. Flags: flashbots/mev-boost `cli/flags.go`, `cli/main.go`, Flashbots docs.
 * - Listens on localhost:18550 by default: `-addr 0.0.0.0:18550`.
 * - Network is a bare flag (`-mainnet`, `-sepolia`, `-hoodi`).
 * - `-relay-check` checks relays at start-up and on the status call, which the readiness probe
 *   uses (`/eth/v1/builder/status`: 200 when at least one relay answers).
 * - `-min-bid` is in ETH; mev-boost rejects values above 1,000,000 as "not denominated in ETH".
 * - Stateless: no data volume. Metrics are not enabled: older releases have no metrics server.
 * - Not for a network whose fork enshrines proposer-builder separation (EIP-7732, Glamsterdam on
 *   sepolia): beacon nodes take builders' bids themselves there (./forks.ts `networkBuilders`).
 */
import { ConfigError } from '../errors';
import { CLIENT_UID, NETWORKS_OFFERED, VALIDATOR_GRACE_SECONDS, imageOf, livenessTcp, readinessHttp, resources } from './common';
import type { ClientMetadata, ImageSelection } from './definition';
import { forkName, NETWORK_FORKS, networkBuilders } from './forks';
import type { ContainerSpec, Network, PortExposure, ResourceSpec } from './types';

export interface MevBoostContainerProps {
  readonly network: Network;
  readonly image: ImageSelection;
  /** `https://0x<BLS pubkey>@host` URLs; at least one. */
  readonly relays: readonly string[];
  /** @default 0 (no minimum bid) */
  readonly minBidEth?: number;
  /**
   * Who reaches the builder API: the beacon node and validator of the same instance (`internal`),
   * or beacon nodes of other instances when MEV-Boost runs as a shared middleware service (`rpc`).
   * @default 'internal'
   */
  readonly exposure?: Extract<PortExposure, 'internal' | 'rpc'>;
}

export interface MevBoostDefinition extends ClientMetadata {
  readonly name: 'mev-boost';
  readonly port: number;
  readonly statusPath: string;
  readonly resources: ResourceSpec;
  container(props: MevBoostContainerProps): ContainerSpec;
}

/** mev-boost refuses larger values as not denominated in ETH. */
const MAX_MIN_BID_ETH = 1_000_000;
const RELAY_URL = /^https?:\/\/0x[0-9a-fA-F]{96}@[^\s,]+$/;

export const MEV_BOOST: MevBoostDefinition = {
  name: 'mev-boost',
  displayName: 'MEV-Boost',
  imageRepository: 'flashbots/mev-boost',
  defaultVersion: '1.10',
  supportedNetworks: NETWORKS_OFFERED,
  port: 18550,
  statusPath: '/eth/v1/builder/status',
  // Flashbots: "requires almost no resources"; ethereum-package caps it at 500m / 256 MB.
  resources: resources('50m', '500m', '64Mi', '256Mi'),
  container(props: MevBoostContainerProps): ContainerSpec {
    const { port } = MEV_BOOST;
    if (networkBuilders(props.network) === 'in-protocol') {
      throw new ConfigError(
        'node spec',
        'network',
        `${props.network} runs ${forkName(NETWORK_FORKS[props.network].fork)}, which enshrines proposer-builder separation (EIP-7732): beacon nodes take builders' bids themselves, MEV-Boost has no part there`,
      );
    }
    if (props.relays.length === 0) {
      throw new ConfigError('node spec', 'mevBoost.relays', 'MEV-Boost needs at least one relay URL (https://0x<pubkey>@host)');
    }
    const badRelay = props.relays.find((relay) => !RELAY_URL.test(relay));
    if (badRelay !== undefined) {
      throw new ConfigError('node spec', 'mevBoost.relays', `"${badRelay}" is not a relay URL; use https://0x<96 hex BLS pubkey>@host`);
    }
    const minBid = props.minBidEth ?? 0;
    if (!Number.isFinite(minBid) || minBid < 0 || minBid > MAX_MIN_BID_ETH) {
      throw new ConfigError('node spec', 'mevBoost.minBidEth', `must be an amount of ETH from 0 to ${MAX_MIN_BID_ETH}, got ${minBid}`);
    }
    return {
      component: 'mev-boost',
      client: 'mev-boost',
      ...imageOf(MEV_BOOST, props.image),
      command: ['/app/mev-boost'],
      args: [
        `-${props.network}`,
        '-addr',
        `0.0.0.0:${port}`,
        '-relay-check',
        '-relays',
        props.relays.join(','),
        ...(minBid > 0 ? ['-min-bid', String(minBid)] : []),
      ],
      env: {},
      ports: [{ name: 'builder-api', port, protocol: 'TCP', exposure: props.exposure ?? 'internal' }],
      secretMounts: [],
      resources: MEV_BOOST.resources,
      liveness: livenessTcp(port, 'light'),
      readiness: readinessHttp(port, MEV_BOOST.statusPath),
      initContainers: [],
      terminationGracePeriodSeconds: VALIDATOR_GRACE_SECONDS,
      runAsUser: CLIENT_UID,
    };
  },
};
