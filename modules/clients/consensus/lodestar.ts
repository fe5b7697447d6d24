/**
 * Lodestar beacon node and validator client. Flags: lodestar `packages/cli/src/options/**`,
 * `cmds/validator/options.ts`, docs `validator-management/vc-configuration.md`, ethpandaops chart.
 * - REST is on by default but binds 127.0.0.1: bound to 0.0.0.0.
 * - The builder URL flag is `--builder.url` (`--builder.urls` is an alias); `--builder` enables it.
 * - VC: `--builder` enables builder blocks. `--builder.boostFactor` only applies with
 *   `--builder.selection=maxprofit`, so both are set when a factor is given.
 * - The VC exits when it has no keys unless the keymanager API is on: `--keymanager` is always set
 *   (it listens on 127.0.0.1 with token auth; reach it with a port-forward to load keys later).
 * - Keys from a Secret are imported by an init container (`validator import`, which skips
 *   duplicates). Removing a key from the Secret does not remove it from the VC.
 */
import {
  checkedBuilderBoostFactor,
  DATA_DIR,
  isKeystoreSet,
  NETWORKS_OFFERED,
  p2pPorts,
  resources,
  VALIDATOR_KEYS_DIR,
  VALIDATOR_KEYS_PASSWORD_FILE,
} from '../common';
import type {
  BeaconContainerProps,
  ConsensusClientDefinition,
  SizingByNetwork,
  ValidatorContainerProps,
} from '../definition';
import type { ContainerSpec } from '../types';
import { beaconContainer, optional, validatorContainer } from './shared';

const P2P_PORT = 9000;
const VC_RESOURCES: SizingByNetwork = {
  mainnet: resources('250m', '1', '512Mi', '2Gi'),
  testnet: resources('250m', '1', '512Mi', '2Gi'),
};
const VC_METRICS_PORT = 5064;
const LODESTAR = ['node', '/usr/app/packages/cli/bin/lodestar.js'];

export const LODESTAR_CLIENT: ConsensusClientDefinition = {
  layer: 'consensus',
  name: 'lodestar',
  displayName: 'Lodestar',
  imageRepository: 'chainsafe/lodestar',
  // v1.50.1: follows Sepolia past Gloas (since v1.49.0) and unschedules Hoodi's, which v1.50.0 had
  // scheduled (Lodestar v1.50.1 notes).
  defaultVersion: 'v1.50.1',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { rest: 9596, metrics: 8008, metricsPath: '/metrics', validatorMetrics: VC_METRICS_PORT },
  storageGi: { mainnet: 500, sepolia: 150, hoodi: 100 },
  resources: {
    mainnet: resources('2', '4', '4Gi', '12Gi'),
    testnet: resources('1', '2', '2Gi', '8Gi'),
  },
  validatorClient: { runs: 'separate', displayName: 'Lodestar validator', imageRepository: 'chainsafe/lodestar', resources: VC_RESOURCES },
  supportsWeb3signerFlags: true,

  beacon(props: BeaconContainerProps): ContainerSpec {
    const { ports } = LODESTAR_CLIENT;
    return beaconContainer(LODESTAR_CLIENT, props, {
      command: LODESTAR,
      args: [
        'beacon',
        `--network=${props.network}`,
        `--dataDir=${DATA_DIR}`,
        `--port=${P2P_PORT}`,
        '--rest',
        '--rest.address=0.0.0.0',
        `--rest.port=${ports.rest}`,
        `--execution.urls=${props.engineUrl}`,
        `--jwtSecret=${props.jwtPath}`,
        `--checkpointSyncUrl=${props.checkpointSyncUrl}`,
        '--metrics',
        '--metrics.address=0.0.0.0',
        `--metrics.port=${ports.metrics}`,
        ...optional('--suggestedFeeRecipient', props.proposer?.feeRecipient),
        ...(props.mevBoostUrl === undefined ? [] : ['--builder', `--builder.url=${props.mevBoostUrl}`]),
      ],
      extraPorts: p2pPorts(P2P_PORT),
    });
  },

  validator(props: ValidatorContainerProps): ContainerSpec {
    const { proposer } = props;
    const keys = proposer.keys;
    const image = `${props.image.imageRepository ?? LODESTAR_CLIENT.imageRepository}:${props.image.version}`;
    const boost = props.mevBoost ? proposer.builderBoostFactor : undefined;
    return validatorContainer(LODESTAR_CLIENT, props, {
      image: { image, version: props.image.version },
      metricsPort: VC_METRICS_PORT,
      resources: VC_RESOURCES,
      command: LODESTAR,
      args: [
        'validator',
        `--network=${props.network}`,
        `--dataDir=${DATA_DIR}`,
        `--beaconNodes=${props.beaconApiUrl}`,
        `--suggestedFeeRecipient=${proposer.feeRecipient}`,
        ...optional('--graffiti', proposer.graffiti),
        ...(proposer.doppelgangerProtection ? ['--doppelgangerProtection'] : []),
        ...(props.mevBoost ? ['--builder'] : []),
        ...(boost === undefined
          ? []
          : ['--builder.selection=maxprofit', `--builder.boostFactor=${checkedBuilderBoostFactor(boost, 'lodestar')}`]),
        ...(keys?.kind === 'web3signer' ? [`--externalSigner.url=${keys.url}`, '--externalSigner.fetch'] : []),
        '--keymanager',
        '--metrics',
        '--metrics.address=0.0.0.0',
        `--metrics.port=${VC_METRICS_PORT}`,
      ],
      extraPorts: [],
      initContainers:
        isKeystoreSet(keys)
          ? [
              {
                name: 'import-keys',
                image,
                command: LODESTAR,
                args: [
                  'validator',
                  'import',
                  `--network=${props.network}`,
                  `--dataDir=${DATA_DIR}`,
                  `--importKeystores=${VALIDATOR_KEYS_DIR}`,
                  `--importKeystoresPassword=${VALIDATOR_KEYS_PASSWORD_FILE}`,
                ],
              },
            ]
          : [],
    });
  },
};
