/**
 * Nimbus beacon node and validator client. Flags: nimbus-eth2 `beacon_chain/conf.nim`, the Nimbus
 * guide, ethpandaops nimbus chart; image entrypoints from `docker/dist/binaries/Dockerfile.*`.
 * - REST is off without `--rest` and binds 127.0.0.1: both set.
 * - Checkpoint sync is a separate command: an init container runs `trustedNodeSync` before the BN
 *   (as the ethpandaops chart does; it leaves an initialised database alone on later starts).
 * - The standalone VC takes its network from the BN. Doppelganger detection defaults to on in
 *   nimbus, so turning it off is explicit. The VC has `--builder-boost-factor`.
 * - Keys from a Secret: nimbus reads `<validators-dir>/0x<pubkey>/keystore.json` with the password
 *   in `<secrets-dir>/0x<pubkey>`. An init container rebuilds that layout on the data volume at
 *   every start (keys removed from the Secret stop being used); the slashing protection database
 *   in the validators directory is kept.
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
import { beaconContainer, optional, siblingImage, validatorContainer } from './shared';

const P2P_PORT = 9000;
const VC_RESOURCES: SizingByNetwork = {
  mainnet: resources('100m', '500m', '128Mi', '512Mi'),
  testnet: resources('100m', '500m', '128Mi', '512Mi'),
};
const VC_METRICS_PORT = 8108;
const BEACON_BINARY = '/home/user/nimbus-eth2/build/nimbus_beacon_node';
const VALIDATOR_BINARY = '/home/user/nimbus_validator_client';
const VALIDATOR_REPOSITORY = 'statusim/nimbus-validator-client';
const VALIDATORS_DIR = `${DATA_DIR}/validators`;
const SECRETS_DIR = `${DATA_DIR}/secrets`;

export const NIMBUS: ConsensusClientDefinition = {
  layer: 'consensus',
  name: 'nimbus',
  displayName: 'Nimbus',
  imageRepository: 'statusim/nimbus-eth2',
  // v26.11.2: schedules Hoodi's Glamsterdam (high urgency for Hoodi); carries v25.11.1, a high-urgency
  // mainnet release (data/releases.json).
  defaultVersion: 'multiarch-v26.11.2',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { rest: 5052, metrics: 8008, metricsPath: '/metrics', validatorMetrics: VC_METRICS_PORT },
  storageGi: { mainnet: 500, sepolia: 150, hoodi: 100 },
  resources: {
    mainnet: resources('1', '2', '2Gi', '6Gi'),
    testnet: resources('500m', '2', '1Gi', '4Gi'),
  },
  validatorClient: { runs: 'separate', displayName: 'Nimbus validator client', imageRepository: VALIDATOR_REPOSITORY, resources: VC_RESOURCES },
  supportsWeb3signerFlags: true,

  beacon(props: BeaconContainerProps): ContainerSpec {
    const { ports } = NIMBUS;
    const image = `${props.image.imageRepository ?? NIMBUS.imageRepository}:${props.image.version}`;
    return beaconContainer(NIMBUS, props, {
      command: [BEACON_BINARY],
      args: [
        `--network=${props.network}`,
        `--data-dir=${DATA_DIR}`,
        '--non-interactive',
        `--tcp-port=${P2P_PORT}`,
        `--udp-port=${P2P_PORT}`,
        '--rest=true',
        '--rest-address=0.0.0.0',
        `--rest-port=${ports.rest}`,
        `--el=${props.engineUrl}`,
        `--jwt-secret=${props.jwtPath}`,
        '--metrics=true',
        '--metrics-address=0.0.0.0',
        `--metrics-port=${ports.metrics}`,
        ...optional('--suggested-fee-recipient', props.proposer?.feeRecipient),
        ...(props.mevBoostUrl === undefined ? [] : ['--payload-builder=true', `--payload-builder-url=${props.mevBoostUrl}`]),
      ],
      extraPorts: p2pPorts(P2P_PORT),
      initContainers: [
        {
          name: 'checkpoint-sync',
          image,
          command: [BEACON_BINARY],
          args: [
            'trustedNodeSync',
            `--network=${props.network}`,
            `--data-dir=${DATA_DIR}`,
            `--trusted-node-url=${props.checkpointSyncUrl}`,
            '--backfill=false',
          ],
        },
      ],
    });
  },

  validator(props: ValidatorContainerProps): ContainerSpec {
    const { proposer } = props;
    const keys = proposer.keys;
    const image = siblingImage(NIMBUS.imageRepository, VALIDATOR_REPOSITORY, props.image);
    const boost = props.mevBoost ? proposer.builderBoostFactor : undefined;
    return validatorContainer(NIMBUS, props, {
      image,
      metricsPort: VC_METRICS_PORT,
      resources: VC_RESOURCES,
      command: [VALIDATOR_BINARY],
      args: [
        `--data-dir=${DATA_DIR}`,
        '--non-interactive',
        `--beacon-node=${props.beaconApiUrl}`,
        `--suggested-fee-recipient=${proposer.feeRecipient}`,
        ...optional('--graffiti', proposer.graffiti),
        `--doppelganger-detection=${proposer.doppelgangerProtection}`,
        ...(props.mevBoost ? ['--payload-builder=true'] : []),
        ...optional('--builder-boost-factor', boost === undefined ? undefined : checkedBuilderBoostFactor(boost, 'nimbus')),
        ...(isKeystoreSet(keys) ? [`--validators-dir=${VALIDATORS_DIR}`, `--secrets-dir=${SECRETS_DIR}`] : []),
        ...optional('--web3-signer-url', keys?.kind === 'web3signer' ? keys.url : undefined),
        '--metrics=true',
        '--metrics-address=0.0.0.0',
        `--metrics-port=${VC_METRICS_PORT}`,
      ],
      extraPorts: [],
      initContainers:
        isKeystoreSet(keys)
          ? [
              {
                name: 'prepare-keys',
                image: image.image,
                command: ['/bin/bash', '-c'],
                args: [
                  [
                    'set -eu',
                    'umask 077',
                    `mkdir -p ${VALIDATORS_DIR} ${SECRETS_DIR}`,
                    `rm -rf ${VALIDATORS_DIR}/0x* ${SECRETS_DIR}/0x*`,
                    `for keystore in ${VALIDATOR_KEYS_DIR}/keystore-*.json; do`,
                    '  [ -e "$keystore" ] || continue',
                    `  pubkey=$(sed -n 's/.*"pubkey" *: *"\\(0x\\)\\{0,1\\}\\([0-9a-fA-F]*\\)".*/\\2/p' "$keystore" | tr 'A-F' 'a-f')`,
                    '  if [ -z "$pubkey" ]; then echo "no pubkey in $keystore" >&2; exit 1; fi',
                    `  mkdir -p "${VALIDATORS_DIR}/0x$pubkey"`,
                    `  cp "$keystore" "${VALIDATORS_DIR}/0x$pubkey/keystore.json"`,
                    `  cp ${VALIDATOR_KEYS_PASSWORD_FILE} "${SECRETS_DIR}/0x$pubkey"`,
                    'done',
                  ].join('\n'),
                ],
              },
            ]
          : [],
    });
  },
};
