/**
 * Erigon 3. Flags: erigon README (ports table) and `erigon --help`, ethpandaops erigon chart.
 * Erigon 3 runs its embedded Caplin consensus client unless `--externalcl` is given; that flag is
 * what turns on the Engine API for an external beacon node. WebSocket is served on the HTTP port.
 * P2P uses 30303 and 30304 (two eth protocol versions) plus BitTorrent on 42069 for snapshots.
 */
import { DATA_DIR, NETWORKS_OFFERED, p2pPorts, readinessTcp, resources } from '../common';
import type { ExecutionClientDefinition, ExecutionContainerProps } from '../definition';
import type { ContainerSpec } from '../types';
import { executionContainer, rpcEngineMetricsPorts } from './shared';

const SECOND_P2P_PORT = 30304;
const TORRENT_PORT = 42069;

export const ERIGON: ExecutionClientDefinition = {
  layer: 'execution',
  name: 'erigon',
  displayName: 'Erigon',
  imageRepository: 'erigontech/erigon',
  // v3.8.3: a security release that schedules Hoodi's 2026-12-15 Glamsterdam and keeps Sepolia's (since
  // v3.7.1); its Caplin notes do not apply (off: --externalcl). data/releases.json has the sources.
  defaultVersion: 'v3.8.3',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { http: 8545, ws: 8545, engine: 8551, p2p: 30303, metrics: 6060, metricsPath: '/debug/metrics/prometheus' },
  // Snapshots plus state; ethereum-package sizes erigon at 3 TB on mainnet.
  storageGi: { mainnet: 3000, sepolia: 500, hoodi: 200 },
  // Erigon README: a full node (its default prune mode) is ~1.1 TB on mainnet (May 2025), just over 1000 GiB.
  minimumStorageGi: { mainnet: 1100 },
  // Erigon asks for at least 32 GB of RAM.
  resources: {
    mainnet: resources('4', '8', '16Gi', '32Gi'),
    testnet: resources('2', '4', '8Gi', '16Gi'),
  },
  container(props: ExecutionContainerProps): ContainerSpec {
    const { ports } = ERIGON;
    return executionContainer(ERIGON, props, {
      command: ['erigon'],
      args: [
        `--chain=${props.network}`,
        `--datadir=${DATA_DIR}`,
        `--port=${ports.p2p}`,
        `--torrent.port=${TORRENT_PORT}`,
        '--http',
        '--http.addr=0.0.0.0',
        `--http.port=${ports.http}`,
        '--http.vhosts=*',
        '--http.api=eth,erigon,net,web3',
        '--ws',
        '--authrpc.addr=0.0.0.0',
        `--authrpc.port=${ports.engine}`,
        '--authrpc.vhosts=*',
        `--authrpc.jwtsecret=${props.jwtPath}`,
        '--externalcl',
        '--private.api.addr=127.0.0.1:9090',
        '--metrics',
        '--metrics.addr=0.0.0.0',
        `--metrics.port=${ports.metrics}`,
      ],
      ports: [
        ...rpcEngineMetricsPorts(ERIGON),
        ...p2pPorts(ports.p2p),
        ...p2pPorts(SECOND_P2P_PORT, 'p2p2'),
        ...p2pPorts(TORRENT_PORT, 'torrent'),
      ],
      // Erigon's /health needs request headers a plain probe cannot send: ready once JSON-RPC accepts.
      readiness: readinessTcp(ports.http),
    });
  },
};
