/**
 * Lighthouse beacon node and validator client. Flags: lighthouse book `help_bn.md`, `help_vc.md`,
 * `advanced_builders.md`, `validator-web3signer.md`.
 * - The BN's HTTP API is off without `--http` and binds 127.0.0.1 by default: both set.
 * - Without `--checkpoint-sync-url` the BN refuses to sync from genesis: always set.
 * - QUIC listens on `--quic-port` (port + 1 by default): explicit 9001/udp.
 * - The VC has no flag for web3signer (keys are registered one by one in `validator_definitions.yml`
 *   or through `POST /lighthouse/validators/web3signer`): such a plan is refused, see
 *   `supportsWeb3signerFlags` and `validatorKeysSupport` in the registry.
 * - Keys from a Secret are imported by an init container (`account validator import`, which skips
 *   keys already imported). Removing a key from the Secret does not remove it from the VC.
 */
import {
  checkedBuilderBoostFactor,
  DATA_DIR,
  isKeystoreSet,
  NETWORKS_OFFERED,
  p2pPorts,
  resources,
  udpPort,
  VALIDATOR_KEYS_DIR,
  VALIDATOR_KEYS_PASSWORD_FILE,
} from '../common';
import { ConfigError } from '../../errors';
import type {
  BeaconContainerProps,
  ConsensusClientDefinition,
  SizingByNetwork,
  ValidatorContainerProps,
} from '../definition';
import type { ContainerSpec } from '../types';
import { beaconContainer, optional, validatorContainer } from './shared';

const P2P_PORT = 9000;
const QUIC_PORT = 9001;
const VC_RESOURCES: SizingByNetwork = {
  mainnet: resources('100m', '1', '256Mi', '1Gi'),
  testnet: resources('100m', '1', '256Mi', '1Gi'),
};
const VC_METRICS_PORT = 5064;

export const LIGHTHOUSE: ConsensusClientDefinition = {
  layer: 'consensus',
  name: 'lighthouse',
  displayName: 'Lighthouse',
  imageRepository: 'sigp/lighthouse',
  // v8.3.3: a security patch on v8.3.2, which disables Hoodi's Gloas (scheduled by v8.3.0 and v8.3.1) and
  // follows Sepolia's (Lighthouse v8.3.2 and v8.3.3 notes; Anchor v1.4.1 notes require v8.3.2 for Sepolia).
  defaultVersion: 'v8.3.3',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { rest: 5052, metrics: 5054, metricsPath: '/metrics', validatorMetrics: VC_METRICS_PORT },
  storageGi: { mainnet: 500, sepolia: 150, hoodi: 100 },
  resources: {
    mainnet: resources('2', '4', '4Gi', '12Gi'),
    testnet: resources('1', '2', '2Gi', '8Gi'),
  },
  validatorClient: { runs: 'separate', displayName: 'Lighthouse VC', imageRepository: 'sigp/lighthouse', resources: VC_RESOURCES },
  supportsWeb3signerFlags: false,

  beacon(props: BeaconContainerProps): ContainerSpec {
    const { ports } = LIGHTHOUSE;
    return beaconContainer(LIGHTHOUSE, props, {
      command: ['lighthouse'],
      args: [
        'beacon_node',
        `--network=${props.network}`,
        `--datadir=${DATA_DIR}`,
        `--port=${P2P_PORT}`,
        `--quic-port=${QUIC_PORT}`,
        '--disable-upnp',
        '--http',
        '--http-address=0.0.0.0',
        `--http-port=${ports.rest}`,
        `--execution-endpoint=${props.engineUrl}`,
        `--execution-jwt=${props.jwtPath}`,
        `--checkpoint-sync-url=${props.checkpointSyncUrl}`,
        '--metrics',
        '--metrics-address=0.0.0.0',
        `--metrics-port=${ports.metrics}`,
        ...optional('--suggested-fee-recipient', props.proposer?.feeRecipient),
        ...optional('--builder', props.mevBoostUrl),
      ],
      extraPorts: [...p2pPorts(P2P_PORT), udpPort('p2p-quic', QUIC_PORT)],
    });
  },

  validator(props: ValidatorContainerProps): ContainerSpec {
    const { proposer } = props;
    if (proposer.keys?.kind === 'web3signer') {
      throw new ConfigError(
        'node spec',
        'validatorKeys',
        'the Lighthouse validator client has no flag for a web3signer URL (keys are registered one by one through its API); use a named key set (Kubernetes Secret or AWS Secrets Manager secret) or another consensus client',
      );
    }
    const boost = props.mevBoost && proposer.builderBoostFactor !== undefined;
    return validatorContainer(LIGHTHOUSE, props, {
      image: { image: `${props.image.imageRepository ?? LIGHTHOUSE.imageRepository}:${props.image.version}`, version: props.image.version },
      metricsPort: VC_METRICS_PORT,
      resources: VC_RESOURCES,
      command: ['lighthouse'],
      args: [
        'validator_client',
        `--network=${props.network}`,
        `--datadir=${DATA_DIR}`,
        `--beacon-nodes=${props.beaconApiUrl}`,
        `--suggested-fee-recipient=${proposer.feeRecipient}`,
        ...optional('--graffiti', proposer.graffiti),
        ...(proposer.doppelgangerProtection ? ['--enable-doppelganger-protection'] : []),
        ...(props.mevBoost ? ['--builder-proposals'] : []),
        ...(boost ? [`--builder-boost-factor=${checkedBuilderBoostFactor(proposer.builderBoostFactor ?? 0, 'lighthouse')}`] : []),
        '--metrics',
        '--metrics-address=0.0.0.0',
        `--metrics-port=${VC_METRICS_PORT}`,
      ],
      extraPorts: [],
      initContainers:
        isKeystoreSet(proposer.keys)
          ? [
              {
                name: 'import-keys',
                image: `${props.image.imageRepository ?? LIGHTHOUSE.imageRepository}:${props.image.version}`,
                command: ['lighthouse'],
                args: [
                  'account',
                  'validator',
                  'import',
                  `--network=${props.network}`,
                  `--datadir=${DATA_DIR}`,
                  `--directory=${VALIDATOR_KEYS_DIR}`,
                  `--password-file=${VALIDATOR_KEYS_PASSWORD_FILE}`,
                  '--reuse-password',
                ],
              },
            ]
          : [],
    });
  },
};
