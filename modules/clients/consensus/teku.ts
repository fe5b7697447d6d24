/**
 * Teku beacon node and validator client. Flags: Consensys/doc.teku `reference/cli/index.md` and
 * `reference/cli/subcommands/validator-client.md`, ethpandaops teku chart.
 * - REST is off by default and binds 127.0.0.1 with a localhost-only host allowlist: all set.
 * - `--checkpoint-sync-url` without a trailing slash (teku appends its own path).
 * - Doppelganger detection in the VC asks the BN for validator liveness, which the BN only tracks
 *   with `--beacon-liveness-tracking-enabled`.
 * - Builder boost factor: the BN's `--builder-bid-compare-factor` (a percentage applied to the
 *   builder bid, the beacon-API semantics); the VC has no flag for it.
 * - Keys from a Secret: teku wants one `<keystore>.txt` password per `<keystore>.json`, and writes
 *   lock files next to keystores. An init container rebuilds a copy of the keystores and their
 *   password files on the data volume at every start, so keys removed from the Secret stop being
 *   used. Slashing protection lives elsewhere (`<data-path>/validator/slashprotection`).
 * - JVM heap follows the container limit (JAVA_OPTS).
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
  mainnet: resources('250m', '1', '1Gi', '2Gi'),
  testnet: resources('250m', '1', '1Gi', '2Gi'),
};
/** Teku's VC defaults to 8008 like its BN; a different port keeps both publishable on one host. */
const VC_METRICS_PORT = 8009;
const TEKU = '/opt/teku/bin/teku';
const JAVA_OPTS = { JAVA_OPTS: '-XX:MaxRAMPercentage=50.0' };
const KEYS_COPY_DIR = `${DATA_DIR}/validator-keys`;
const PASSWORDS_DIR = `${DATA_DIR}/validator-passwords`;

export const TEKU_CLIENT: ConsensusClientDefinition = {
  layer: 'consensus',
  name: 'teku',
  displayName: 'Teku',
  imageRepository: 'consensys/teku',
  // 26.10.2: follows Sepolia past Gloas (since 26.9.1) and unschedules Hoodi's, which 26.10.1 had
  // scheduled (Teku 26.10.2 notes).
  defaultVersion: '26.10.2',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { rest: 5051, metrics: 8008, metricsPath: '/metrics', validatorMetrics: VC_METRICS_PORT },
  storageGi: { mainnet: 500, sepolia: 150, hoodi: 100 },
  resources: {
    mainnet: resources('2', '4', '6Gi', '12Gi'),
    testnet: resources('1', '2', '3Gi', '8Gi'),
  },
  validatorClient: { runs: 'separate', displayName: 'Teku validator client', imageRepository: 'consensys/teku', resources: VC_RESOURCES },
  supportsWeb3signerFlags: true,

  beacon(props: BeaconContainerProps): ContainerSpec {
    const { ports } = TEKU_CLIENT;
    const { proposer } = props;
    const boost = props.mevBoostUrl !== undefined ? proposer?.builderBoostFactor : undefined;
    return beaconContainer(TEKU_CLIENT, props, {
      command: [TEKU],
      args: [
        `--network=${props.network}`,
        `--data-path=${DATA_DIR}`,
        '--log-destination=CONSOLE',
        '--p2p-enabled=true',
        `--p2p-port=${P2P_PORT}`,
        '--rest-api-enabled=true',
        '--rest-api-interface=0.0.0.0',
        `--rest-api-port=${ports.rest}`,
        '--rest-api-host-allowlist=*',
        `--ee-endpoint=${props.engineUrl}`,
        `--ee-jwt-secret-file=${props.jwtPath}`,
        `--checkpoint-sync-url=${props.checkpointSyncUrl.replace(/\/+$/, '')}`,
        '--metrics-enabled=true',
        '--metrics-interface=0.0.0.0',
        `--metrics-port=${ports.metrics}`,
        '--metrics-host-allowlist=*',
        ...optional('--validators-proposer-default-fee-recipient', proposer?.feeRecipient),
        ...(proposer?.doppelgangerProtection ? ['--beacon-liveness-tracking-enabled=true'] : []),
        ...optional('--builder-endpoint', props.mevBoostUrl),
        ...optional('--builder-bid-compare-factor', boost === undefined ? undefined : checkedBuilderBoostFactor(boost, 'teku')),
      ],
      env: JAVA_OPTS,
      extraPorts: p2pPorts(P2P_PORT),
    });
  },

  validator(props: ValidatorContainerProps): ContainerSpec {
    const { proposer } = props;
    const keys = proposer.keys;
    const image = `${props.image.imageRepository ?? TEKU_CLIENT.imageRepository}:${props.image.version}`;
    return validatorContainer(TEKU_CLIENT, props, {
      image: { image, version: props.image.version },
      metricsPort: VC_METRICS_PORT,
      resources: VC_RESOURCES,
      command: [TEKU],
      args: [
        'validator-client',
        `--network=${props.network}`,
        `--data-path=${DATA_DIR}`,
        '--log-destination=CONSOLE',
        `--beacon-node-api-endpoint=${props.beaconApiUrl}`,
        `--validators-proposer-default-fee-recipient=${proposer.feeRecipient}`,
        ...optional('--validators-graffiti', proposer.graffiti),
        ...(proposer.doppelgangerProtection ? ['--doppelganger-detection-enabled=true'] : []),
        ...(props.mevBoost ? ['--validators-builder-registration-default-enabled=true'] : []),
        ...(isKeystoreSet(keys) ? [`--validator-keys=${KEYS_COPY_DIR}:${PASSWORDS_DIR}`] : []),
        ...(keys?.kind === 'web3signer'
          ? [`--validators-external-signer-url=${keys.url}`, '--validators-external-signer-public-keys=external-signer']
          : []),
        '--metrics-enabled=true',
        '--metrics-interface=0.0.0.0',
        `--metrics-port=${VC_METRICS_PORT}`,
        '--metrics-host-allowlist=*',
      ],
      env: JAVA_OPTS,
      extraPorts: [],
      initContainers:
        isKeystoreSet(keys)
          ? [
              {
                name: 'prepare-keys',
                image,
                command: ['/bin/sh', '-c'],
                args: [
                  [
                    'set -eu',
                    'umask 077',
                    `rm -rf ${KEYS_COPY_DIR} ${PASSWORDS_DIR}`,
                    `mkdir -p ${KEYS_COPY_DIR} ${PASSWORDS_DIR}`,
                    `for keystore in ${VALIDATOR_KEYS_DIR}/keystore-*.json; do`,
                    '  [ -e "$keystore" ] || continue',
                    '  name=$(basename "$keystore" .json)',
                    `  cp "$keystore" "${KEYS_COPY_DIR}/$name.json"`,
                    `  cp ${VALIDATOR_KEYS_PASSWORD_FILE} "${PASSWORDS_DIR}/$name.txt"`,
                    'done',
                  ].join('\n'),
                ],
              },
            ]
          : [],
    });
  },
};
