/**
 * Grandine. Flags: grandine `grandine/src/grandine_args.rs`, the Grandine book, ethpandaops chart.
 * Grandine has no standalone validator client: on the validator role its built-in validator runs
 * inside the beacon node, so the proposer settings, keys and builder flags go on the BN.
 * - HTTP API binds 127.0.0.1 by default: bound to 0.0.0.0. The EL is `--eth1-rpc-urls`.
 * - Doppelganger detection (`--detect-doppelgangers`) requires `--track-liveness`.
 * - Keys from a Secret are read in place: `--keystore-dir` loads `*.json` files (and files with
 *   no extension) with the one password in `--keystore-password-file`; `password.txt` and the
 *   Secret volume's dot-directories are skipped by their extension.
 * - Builder boost factor: `--default-builder-boost-factor`.
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
import type { BeaconContainerProps, ConsensusClientDefinition, ProposerSettings } from '../definition';
import type { ContainerSpec } from '../types';
import { beaconContainer, keyMounts, optional } from './shared';

const P2P_PORT = 9000;
const QUIC_PORT = 9001;

function builtInValidatorArgs(proposer: ProposerSettings, mevBoost: boolean): string[] {
  const keys = proposer.keys;
  const boost = mevBoost ? proposer.builderBoostFactor : undefined;
  return [
    `--suggested-fee-recipient=${proposer.feeRecipient}`,
    ...optional('--graffiti', proposer.graffiti),
    ...(proposer.doppelgangerProtection ? ['--track-liveness', '--detect-doppelgangers'] : []),
    ...optional('--default-builder-boost-factor', boost === undefined ? undefined : checkedBuilderBoostFactor(boost, 'grandine')),
    ...(isKeystoreSet(keys)
      ? [`--keystore-dir=${VALIDATOR_KEYS_DIR}`, `--keystore-password-file=${VALIDATOR_KEYS_PASSWORD_FILE}`]
      : []),
    ...optional('--web3signer-urls', keys?.kind === 'web3signer' ? keys.url : undefined),
  ];
}

export const GRANDINE: ConsensusClientDefinition = {
  layer: 'consensus',
  name: 'grandine',
  displayName: 'Grandine',
  imageRepository: 'sifrai/grandine',
  // 2.0.6: the stable line's newest release (secondary source, data/releases.json).
  defaultVersion: '2.0.6',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { rest: 5052, metrics: 5054, metricsPath: '/metrics' },
  storageGi: { mainnet: 500, sepolia: 150, hoodi: 100 },
  resources: {
    mainnet: resources('2', '4', '4Gi', '10Gi'),
    testnet: resources('1', '2', '2Gi', '6Gi'),
  },
  validatorClient: { runs: 'in-beacon-node' },
  supportsWeb3signerFlags: true,

  beacon(props: BeaconContainerProps): ContainerSpec {
    const { ports } = GRANDINE;
    const { proposer } = props;
    return beaconContainer(GRANDINE, props, {
      command: ['grandine'],
      args: [
        `--network=${props.network}`,
        `--data-dir=${DATA_DIR}`,
        `--libp2p-port=${P2P_PORT}`,
        `--discovery-port=${P2P_PORT}`,
        `--quic-port=${QUIC_PORT}`,
        '--http-address=0.0.0.0',
        `--http-port=${ports.rest}`,
        `--eth1-rpc-urls=${props.engineUrl}`,
        `--jwt-secret=${props.jwtPath}`,
        `--checkpoint-sync-url=${props.checkpointSyncUrl}`,
        '--metrics',
        '--metrics-address=0.0.0.0',
        `--metrics-port=${ports.metrics}`,
        ...optional('--builder-url', props.mevBoostUrl),
        ...(proposer ? builtInValidatorArgs(proposer, props.mevBoostUrl !== undefined) : []),
      ],
      extraPorts: [...p2pPorts(P2P_PORT), udpPort('p2p-quic', QUIC_PORT)],
      extraSecretMounts: keyMounts(proposer?.keys),
    });
  },
};
