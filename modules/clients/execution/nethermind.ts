/**
 * Nethermind. Flags: NethermindEth/docs `fundamentals/configuration`, ethpandaops nethermind chart.
 * `JsonRpc.Enabled` defaults to false and every host to 127.0.0.1: both set here. WebSocket shares
 * the JSON-RPC port. Logs and the node key store go to the data volume (the image's own
 * directories are not writable for the client UID). Health checks serve `/health` on the RPC port:
 * unhealthy while syncing or without peers, which is what readiness should say.
 */
import { DATA_DIR, NETWORKS_OFFERED, p2pPorts, readinessHttp, resources } from '../common';
import type { ExecutionClientDefinition, ExecutionContainerProps } from '../definition';
import type { ContainerSpec } from '../types';
import { executionContainer, rpcEngineMetricsPorts } from './shared';

export const NETHERMIND: ExecutionClientDefinition = {
  layer: 'execution',
  name: 'nethermind',
  displayName: 'Nethermind',
  imageRepository: 'nethermind/nethermind',
  // 2.3.0: schedules Hoodi's Glamsterdam at 2026-12-15 and keeps Sepolia's (since 2.1.0); no downgrade
  // below it (new receipts format). data/releases.json has the sources.
  defaultVersion: '2.3.0',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { http: 8545, ws: 8545, engine: 8551, p2p: 30303, metrics: 6060, metricsPath: '/metrics' },
  // Nethermind: at least 1 TB, 2 TB recommended.
  storageGi: { mainnet: 2000, sepolia: 300, hoodi: 100 },
  resources: {
    mainnet: resources('2', '4', '8Gi', '16Gi'),
    testnet: resources('1', '2', '4Gi', '8Gi'),
  },
  container(props: ExecutionContainerProps): ContainerSpec {
    const { ports } = NETHERMIND;
    return executionContainer(NETHERMIND, props, {
      command: ['/nethermind/nethermind'],
      args: [
        `--config=${props.network}`,
        `--data-dir=${DATA_DIR}`,
        `--KeyStore.KeyStoreDirectory=${DATA_DIR}/keystore`,
        `--Init.LogDirectory=${DATA_DIR}/logs`,
        `--Network.P2PPort=${ports.p2p}`,
        `--Network.DiscoveryPort=${ports.p2p}`,
        '--JsonRpc.Enabled=true',
        '--JsonRpc.Host=0.0.0.0',
        `--JsonRpc.Port=${ports.http}`,
        '--Init.WebSocketsEnabled=true',
        `--JsonRpc.WebSocketsPort=${ports.ws}`,
        '--JsonRpc.EngineHost=0.0.0.0',
        `--JsonRpc.EnginePort=${ports.engine}`,
        `--JsonRpc.JwtSecretFile=${props.jwtPath}`,
        '--Metrics.Enabled=true',
        `--Metrics.ExposePort=${ports.metrics}`,
        '--HealthChecks.Enabled=true',
      ],
      ports: [...rpcEngineMetricsPorts(NETHERMIND), ...p2pPorts(ports.p2p)],
      readiness: readinessHttp(ports.http, '/health'),
    });
  },
};
