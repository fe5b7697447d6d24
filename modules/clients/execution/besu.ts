/**
 * Hyperledger Besu. Flags: besu-docs `reference/cli/options.md`. HTTP/WS JSON-RPC and the Engine
 * API are off by default (`--engine-rpc-enabled` too): all enabled here. The Engine API listens
 * on the `--rpc-http-host` interface. Besu serves `/readiness` on the JSON-RPC port: 503 while
 * syncing or without peers. The JVM heap follows the container limit (BESU_OPTS).
 */
import { DATA_DIR, NETWORKS_OFFERED, p2pPorts, readinessHttp, resources } from '../common';
import type { ExecutionClientDefinition, ExecutionContainerProps } from '../definition';
import type { ContainerSpec } from '../types';
import { executionContainer, rpcEngineMetricsPorts } from './shared';

export const BESU: ExecutionClientDefinition = {
  layer: 'execution',
  name: 'besu',
  displayName: 'Besu',
  imageRepository: 'hyperledger/besu',
  // 26.10.1: carries the 26.8.0 and 26.10.0 security fixes and unschedules Hoodi's cancelled date
  // (data/releases.json).
  defaultVersion: '26.10.1',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { http: 8545, ws: 8546, engine: 8551, p2p: 30303, metrics: 9545, metricsPath: '/metrics' },
  storageGi: { mainnet: 2000, sepolia: 300, hoodi: 100 },
  resources: {
    mainnet: resources('2', '4', '8Gi', '16Gi'),
    testnet: resources('1', '2', '4Gi', '8Gi'),
  },
  container(props: ExecutionContainerProps): ContainerSpec {
    const { ports } = BESU;
    return executionContainer(BESU, props, {
      command: ['/opt/besu/bin/besu'],
      args: [
        `--network=${props.network}`,
        `--data-path=${DATA_DIR}`,
        `--p2p-port=${ports.p2p}`,
        '--rpc-http-enabled=true',
        '--rpc-http-host=0.0.0.0',
        `--rpc-http-port=${ports.http}`,
        '--rpc-http-api=ETH,NET,WEB3',
        '--host-allowlist=*',
        '--rpc-ws-enabled=true',
        '--rpc-ws-host=0.0.0.0',
        `--rpc-ws-port=${ports.ws}`,
        '--engine-rpc-enabled=true',
        `--engine-rpc-port=${ports.engine}`,
        `--engine-jwt-secret=${props.jwtPath}`,
        '--engine-host-allowlist=*',
        '--metrics-enabled=true',
        '--metrics-host=0.0.0.0',
        `--metrics-port=${ports.metrics}`,
      ],
      // Besu's JVM default heap is a quarter of the container's memory; half suits a node.
      env: { BESU_OPTS: '-XX:MaxRAMPercentage=50.0' },
      ports: [...rpcEngineMetricsPorts(BESU), ...p2pPorts(ports.p2p)],
      readiness: readinessHttp(ports.http, '/readiness'),
    });
  },
};
