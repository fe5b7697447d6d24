/**
 * go-ethereum. Flags: `geth --help`, ethpandaops geth chart. Network is a bare flag (`--mainnet`,
 * `--hoodi`, `--sepolia`). HTTP, WS and metrics are off by default and bind to localhost: enabled
 * and bound to 0.0.0.0 here. `--authrpc.vhosts=*` because geth only admits `localhost` by default.
 */
import { DATA_DIR, NETWORKS_OFFERED, p2pPorts, readinessTcp, resources } from '../common';
import type { ExecutionClientDefinition, ExecutionContainerProps } from '../definition';
import type { ContainerSpec, Network } from '../types';
import { executionContainer, rpcEngineMetricsPorts } from './shared';

const NETWORK_FLAG: Readonly<Record<Network, string>> = {
  mainnet: '--mainnet',
  hoodi: '--hoodi',
  sepolia: '--sepolia',
};

export const GETH: ExecutionClientDefinition = {
  layer: 'execution',
  name: 'geth',
  displayName: 'Geth',
  imageRepository: 'ethereum/client-go',
  // v1.17.10: carries the security fixes of v1.16.8-v1.17.1; no release is known to schedule Hoodi's
  // 2026-12-15 Glamsterdam (data/releases.json).
  defaultVersion: 'v1.17.10',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { http: 8545, ws: 8546, engine: 8551, p2p: 30303, metrics: 6060, metricsPath: '/debug/metrics/prometheus' },
  // Snap-synced geth plus growth; go-ethereum recommends 2 TB for EL + CL on mainnet.
  storageGi: { mainnet: 2000, sepolia: 300, hoodi: 100 },
  resources: {
    mainnet: resources('2', '4', '8Gi', '16Gi'),
    testnet: resources('1', '2', '4Gi', '8Gi'),
  },
  container(props: ExecutionContainerProps): ContainerSpec {
    const { ports } = GETH;
    return executionContainer(GETH, props, {
      command: ['geth'],
      args: [
        NETWORK_FLAG[props.network],
        `--datadir=${DATA_DIR}`,
        `--port=${ports.p2p}`,
        '--http',
        '--http.addr=0.0.0.0',
        `--http.port=${ports.http}`,
        '--http.vhosts=*',
        '--http.api=eth,net,web3',
        '--ws',
        '--ws.addr=0.0.0.0',
        `--ws.port=${ports.ws}`,
        '--ws.origins=*',
        '--ws.api=eth,net,web3',
        '--authrpc.addr=0.0.0.0',
        `--authrpc.port=${ports.engine}`,
        '--authrpc.vhosts=*',
        `--authrpc.jwtsecret=${props.jwtPath}`,
        '--metrics',
        '--metrics.addr=0.0.0.0',
        `--metrics.port=${ports.metrics}`,
      ],
      ports: [...rpcEngineMetricsPorts(GETH), ...p2pPorts(ports.p2p)],
      // geth has no health endpoint: ready once JSON-RPC accepts connections.
      readiness: readinessTcp(ports.http),
    });
  },
};
