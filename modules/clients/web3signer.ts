/**
 * Consensys Web3Signer (eth2 mode). Flags: Consensys/web3signer `commandline/*.java`.
 * Node topologies never deploy it: a `web3signer` key reference is only a URL the validator
 * client is pointed at. This definition is for operators running a signer as its own service.
 * - Global options go before the `eth2` subcommand. HTTP binds 127.0.0.1 and admits only
 *   localhost by default: bound to 0.0.0.0 with `*` (the port is `internal`).
 * - Slashing protection is on by default and needs a PostgreSQL database with Web3Signer's
 *   migrations applied (shipped in the image under /opt/web3signer/migrations/postgresql);
 *   startup fails without a database URL. The database credentials come from a config file
 *   in a Secret (`eth2.slashing-protection-db-username` / `-password`), never from arguments.
 * - Keystores: the same Secret layout as validator clients (`keystore-*.json` + `password.txt`).
 */
import {
  CLIENT_UID,
  NETWORKS_OFFERED,
  VALIDATOR_GRACE_SECONDS,
  VALIDATOR_KEYS_DIR,
  VALIDATOR_KEYS_PASSWORD_FILE,
  imageOf,
  livenessTcp,
  readinessHttp,
  resources,
  tcpPort,
  validatorKeysMount,
} from './common';
import type { ClientMetadata, ImageSelection } from './definition';
import type { ContainerSpec, Network, ResourceSpec } from './types';

export interface Web3signerContainerProps {
  readonly network: Network;
  readonly image: ImageSelection;
  /** Secret with the keystores (`keystore-*.json`) and `password.txt`. */
  readonly keystoresSecretName: string;
  /** e.g. `jdbc:postgresql://db:5432/web3signer` */
  readonly slashingProtectionDbUrl: string;
  /** Secret holding `config.yaml` with the database username and password. */
  readonly configSecretName: string;
}

export interface Web3signerDefinition extends ClientMetadata {
  readonly name: 'web3signer';
  readonly port: number;
  readonly metricsPort: number;
  readonly resources: ResourceSpec;
  container(props: Web3signerContainerProps): ContainerSpec;
}

const CONFIG_DIR = '/secrets/web3signer';

export const WEB3SIGNER: Web3signerDefinition = {
  name: 'web3signer',
  displayName: 'Web3Signer',
  imageRepository: 'consensys/web3signer',
  defaultVersion: '25.11.0',
  supportedNetworks: NETWORKS_OFFERED,
  port: 9000,
  metricsPort: 9001,
  resources: resources('250m', '2', '1Gi', '4Gi'),
  container(props: Web3signerContainerProps): ContainerSpec {
    const { port, metricsPort } = WEB3SIGNER;
    return {
      component: 'web3signer',
      client: 'web3signer',
      ...imageOf(WEB3SIGNER, props.image),
      command: ['/opt/web3signer/bin/web3signer'],
      args: [
        `--config-file=${CONFIG_DIR}/config.yaml`,
        '--http-listen-host=0.0.0.0',
        `--http-listen-port=${port}`,
        '--http-host-allowlist=*',
        '--metrics-enabled=true',
        '--metrics-host=0.0.0.0',
        `--metrics-port=${metricsPort}`,
        '--metrics-host-allowlist=*',
        'eth2',
        `--network=${props.network}`,
        '--slashing-protection-enabled=true',
        `--slashing-protection-db-url=${props.slashingProtectionDbUrl}`,
        `--keystores-path=${VALIDATOR_KEYS_DIR}`,
        `--keystores-password-file=${VALIDATOR_KEYS_PASSWORD_FILE}`,
      ],
      env: { JAVA_OPTS: '-XX:MaxRAMPercentage=50.0' },
      ports: [tcpPort('http-api', port, 'internal'), tcpPort('metrics', metricsPort, 'metrics', '/metrics')],
      secretMounts: [
        validatorKeysMount(props.keystoresSecretName),
        { source: { kind: 'external', secretName: props.configSecretName }, mountPath: CONFIG_DIR },
      ],
      resources: WEB3SIGNER.resources,
      liveness: livenessTcp(port, 'light'),
      readiness: readinessHttp(port, '/upcheck'),
      initContainers: [],
      terminationGracePeriodSeconds: VALIDATOR_GRACE_SECONDS,
      runAsUser: CLIENT_UID,
    };
  },
};
