/**
 * Prysm beacon node and validator client. Flags: prysm `cmd/flags.go`, `cmd/beacon-chain/flags`,
 * `config/features/flags.go`, ethpandaops prysm chart.
 * - `--accept-terms-of-use` on both (non-interactive). Network is a bare flag (`--mainnet`, ...).
 * - REST on `--http-host/--http-port` (3500; old names `--grpc-gateway-*` are aliases) and gRPC on
 *   `--rpc-host/--rpc-port` (4000). The VC reaches its own BN over gRPC, `--beacon-rpc-provider`
 *   as host:port WITHOUT a scheme (a scheme makes prysm fail with "too many colons"): the mode
 *   prysm documents and sedge uses for a prysm BN; gRPC is `internal` (only the VC uses it).
 * - Checkpoint sync also fetches the genesis state from the same URL (`--genesis-beacon-api-url`),
 *   so hoodi/sepolia need no genesis file.
 * - The builder boost factor maps to the BN's `--local-block-value-boost` (prysm has no VC flag):
 *   prysm picks the builder when builder * 100 > local * (100 + boost), so boost = 10000/f - 100,
 *   which expresses factors 1..100 only; others are refused rather than approximated.
 * - The VC needs a wallet. An init container creates its password once on the data volume (Prysm
 *   insists on a wallet password; it guards nothing the volume's own access control does not) and
 *   imports the Secret's keystores (`accounts import` skips keys already in the wallet), or creates
 *   an empty imported-keys wallet when no keys are given. The prysm images ship bash.
 */
import {
  DATA_DIR,
  
  NETWORKS_OFFERED,
  VALIDATOR_KEYS_DIR,
  VALIDATOR_KEYS_PASSWORD_FILE,
  checkedBuilderBoostFactor,
  resources,
  tcpPort,
  udpPort,
} from '../common';
import { ConfigError } from '../../errors';
import type {
  BeaconContainerProps,
  ConsensusClientDefinition,
  SizingByNetwork,
  ValidatorContainerProps,
} from '../definition';
import type { ContainerSpec, InitContainerSpec, Network } from '../types';
import { beaconContainer, optional, siblingImage, validatorContainer } from './shared';

const NETWORK_FLAG: Readonly<Record<Network, string>> = {
  mainnet: '--mainnet',
  hoodi: '--hoodi',
  sepolia: '--sepolia',
};

const P2P_TCP_PORT = 13000;
const P2P_UDP_PORT = 12000;
const P2P_QUIC_PORT = 13000;
const GRPC_PORT = 4000;
const VC_RESOURCES: SizingByNetwork = {
  mainnet: resources('100m', '1', '256Mi', '1Gi'),
  testnet: resources('100m', '1', '256Mi', '1Gi'),
};
const VC_METRICS_PORT = 8081;
const VALIDATOR_REPOSITORY = 'gcr.io/offchainlabs/prysm/validator';
const VALIDATOR_BINARY = '/app/cmd/validator/validator';
const WALLET_DIR = `${DATA_DIR}/wallet`;
const WALLET_PASSWORD_FILE = `${DATA_DIR}/wallet-password.txt`;

/** The BN's `--local-block-value-boost` for a beacon-API builder boost factor (see file comment). */
export function prysmLocalBlockValueBoost(builderBoostFactor: number): number {
  const factor = checkedBuilderBoostFactor(builderBoostFactor, 'prysm');
  if (factor < 1 || factor > 100) {
    throw new ConfigError(
      'node spec',
      'builderBoostFactor',
      `prysm expresses builder preference as --local-block-value-boost, which can only encode builder boost factors 1..100, got ${factor}; choose a value in 1..100 (100 = equal weight)`,
    );
  }
  return Math.round(10000 / factor) - 100;
}

export const PRYSM: ConsensusClientDefinition = {
  layer: 'consensus',
  name: 'prysm',
  displayName: 'Prysm',
  imageRepository: 'gcr.io/offchainlabs/prysm/beacon-chain',
  // v7.3.3: schedules Hoodi's Gloas at epoch 143616 (2026-12-15), no change for mainnet or Sepolia (since
  // v7.2.0). data/releases.json has the sources.
  defaultVersion: 'v7.3.3',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { rest: 3500, grpc: GRPC_PORT, metrics: 8080, metricsPath: '/metrics', validatorMetrics: VC_METRICS_PORT },
  storageGi: { mainnet: 500, sepolia: 150, hoodi: 100 },
  resources: {
    mainnet: resources('2', '4', '4Gi', '12Gi'),
    testnet: resources('1', '2', '2Gi', '8Gi'),
  },
  validatorClient: { runs: 'separate', displayName: 'Prysm validator', imageRepository: VALIDATOR_REPOSITORY, resources: VC_RESOURCES },
  supportsWeb3signerFlags: true,

  beacon(props: BeaconContainerProps): ContainerSpec {
    const { ports } = PRYSM;
    const { proposer } = props;
    const boost = props.mevBoostUrl !== undefined ? proposer?.builderBoostFactor : undefined;
    return beaconContainer(PRYSM, props, {
      command: ['/app/cmd/beacon-chain/beacon-chain'],
      args: [
        '--accept-terms-of-use',
        NETWORK_FLAG[props.network],
        `--datadir=${DATA_DIR}`,
        `--p2p-tcp-port=${P2P_TCP_PORT}`,
        `--p2p-udp-port=${P2P_UDP_PORT}`,
        `--p2p-quic-port=${P2P_QUIC_PORT}`,
        '--http-host=0.0.0.0',
        `--http-port=${ports.rest}`,
        '--rpc-host=0.0.0.0',
        `--rpc-port=${GRPC_PORT}`,
        `--execution-endpoint=${props.engineUrl}`,
        `--jwt-secret=${props.jwtPath}`,
        `--checkpoint-sync-url=${props.checkpointSyncUrl}`,
        `--genesis-beacon-api-url=${props.checkpointSyncUrl}`,
        '--monitoring-host=0.0.0.0',
        `--monitoring-port=${ports.metrics}`,
        ...optional('--suggested-fee-recipient', proposer?.feeRecipient),
        ...optional('--http-mev-relay', props.mevBoostUrl),
        ...optional('--local-block-value-boost', boost === undefined ? undefined : prysmLocalBlockValueBoost(boost)),
      ],
      extraPorts: [
        tcpPort('grpc', GRPC_PORT, 'internal'),
        tcpPort('p2p-tcp', P2P_TCP_PORT, 'p2p'),
        udpPort('p2p-udp', P2P_UDP_PORT),
        udpPort('p2p-quic', P2P_QUIC_PORT),
      ],
    });
  },

  validator(props: ValidatorContainerProps): ContainerSpec {
    const { proposer } = props;
    if (props.beaconGrpcHostPort === undefined) {
      throw new ConfigError('node spec', 'beaconGrpcHostPort', 'the Prysm validator client needs its beacon node gRPC host:port');
    }
    const image = siblingImage(PRYSM.imageRepository, VALIDATOR_REPOSITORY, props.image);
    const keys = proposer.keys;
    return validatorContainer(PRYSM, props, {
      image,
      metricsPort: VC_METRICS_PORT,
      resources: VC_RESOURCES,
      command: [VALIDATOR_BINARY],
      args: [
        '--accept-terms-of-use',
        NETWORK_FLAG[props.network],
        `--datadir=${DATA_DIR}`,
        `--beacon-rpc-provider=${props.beaconGrpcHostPort}`,
        `--suggested-fee-recipient=${proposer.feeRecipient}`,
        ...optional('--graffiti', proposer.graffiti),
        ...(proposer.doppelgangerProtection ? ['--enable-doppelganger'] : []),
        ...(props.mevBoost ? ['--enable-builder'] : []),
        ...(keys?.kind === 'web3signer'
          ? [
              `--validators-external-signer-url=${keys.url}`,
              `--validators-external-signer-public-keys=${keys.url.replace(/\/+$/, '')}/api/v1/eth2/publicKeys`,
            ]
          : [`--wallet-dir=${WALLET_DIR}`, `--wallet-password-file=${WALLET_PASSWORD_FILE}`]),
        '--monitoring-host=0.0.0.0',
        `--monitoring-port=${VC_METRICS_PORT}`,
      ],
      extraPorts: [],
      initContainers: keys?.kind === 'web3signer' ? [] : [walletInit(image.image, props.network, keys !== undefined)],
    });
  },
};

function walletInit(image: string, network: Network, importKeys: boolean): InitContainerSpec {
  const common = `--accept-terms-of-use ${NETWORK_FLAG[network]} --wallet-dir=${WALLET_DIR} --wallet-password-file=${WALLET_PASSWORD_FILE}`;
  const populate = importKeys
    ? `exec ${VALIDATOR_BINARY} accounts import ${common} --keys-dir=${VALIDATOR_KEYS_DIR} --account-password-file=${VALIDATOR_KEYS_PASSWORD_FILE}`
    : `if [ -d ${WALLET_DIR}/direct ]; then exit 0; fi\nexec ${VALIDATOR_BINARY} wallet create ${common} --keymanager-kind=imported`;
  return {
    name: importKeys ? 'import-keys' : 'create-wallet',
    image,
    command: ['/bin/bash', '-c'],
    args: [
      [
        'set -eu',
        'umask 077',
        `if [ ! -s ${WALLET_PASSWORD_FILE} ]; then`,
        // bash-only randomness (the image has no coreutils guarantee); letters, digits and a symbol satisfy prysm's password rules.
        '  pw=""; for i in 1 2 3 4 5 6 7 8; do pw="$pw$(printf %08x "${SRANDOM:-$RANDOM}")"; done',
        `  printf '%s' "\${pw}Aa1!" > ${WALLET_PASSWORD_FILE}`,
        'fi',
        populate,
      ].join('\n'),
    ],
  };
}
