/**
 * Reth. Flags: reth book `cli/reth/node.md`, ethpandaops reth chart. HTTP/WS/auth bind to
 * 127.0.0.1 by default: bound to 0.0.0.0 here. Discv5's default UDP port (9000 in older
 * releases, 9200 in newer ones) is moved to 30304 so it never collides with a consensus client's
 * 9000 on a shared host. `--metrics` takes IP:PORT. Reth's default node is an archive node.
 */
import { DATA_DIR, NETWORKS_OFFERED, p2pPorts, readinessTcp, resources, udpPort } from '../common';
import type { ExecutionClientDefinition, ExecutionContainerProps } from '../definition';
import type { ContainerSpec } from '../types';
import { executionContainer, rpcEngineMetricsPorts } from './shared';

export const RETH_DISCV5_PORT = 30304;

export const RETH: ExecutionClientDefinition = {
  layer: 'execution',
  name: 'reth',
  displayName: 'Reth',
  imageRepository: 'ghcr.io/paradigmxyz/reth',
  // v2.11.0: the newest release (v2.10.0 was high priority); follows Sepolia past Amsterdam (since v2.7.0);
  // no release is known to schedule Hoodi's 2026-12-15 Amsterdam. data/releases.json has the sources.
  defaultVersion: 'v2.11.0',
  supportedNetworks: NETWORKS_OFFERED,
  ports: { http: 8545, ws: 8546, engine: 8551, p2p: 30303, metrics: 6060, metricsPath: '/' },
  // Archive by default; ethereum-package sizes reth at 3 TB on mainnet.
  storageGi: { mainnet: 3000, sepolia: 500, hoodi: 300 },
  // Reth book, hardware requirements: an archive node needs "at least 2.8TB" on mainnet. It stays an
  // archive node (its default; `--full` cannot be turned on after the first sync, so switching would
  // break existing instances): smaller volumes are refused instead.
  minimumStorageGi: { mainnet: 2800 },
  resources: {
    mainnet: resources('4', '8', '16Gi', '32Gi'),
    testnet: resources('2', '4', '8Gi', '16Gi'),
  },
  container(props: ExecutionContainerProps): ContainerSpec {
    const { ports } = RETH;
    return executionContainer(RETH, props, {
      command: ['/usr/local/bin/reth'],
      args: [
        'node',
        `--chain=${props.network}`,
        `--datadir=${DATA_DIR}`,
        `--log.file.directory=${DATA_DIR}/logs`,
        `--port=${ports.p2p}`,
        `--discovery.port=${ports.p2p}`,
        // discv5 is on by default since v2.2.0; --enable-discv5-discovery is a deprecated no-op (data/releases.json).
        `--discovery.v5.port=${RETH_DISCV5_PORT}`,
        '--http',
        '--http.addr=0.0.0.0',
        `--http.port=${ports.http}`,
        '--http.api=eth,net,web3',
        '--ws',
        '--ws.addr=0.0.0.0',
        `--ws.port=${ports.ws}`,
        '--ws.api=eth,net,web3',
        '--authrpc.addr=0.0.0.0',
        `--authrpc.port=${ports.engine}`,
        `--authrpc.jwtsecret=${props.jwtPath}`,
        `--metrics=0.0.0.0:${ports.metrics}`,
      ],
      ports: [...rpcEngineMetricsPorts(RETH), ...p2pPorts(ports.p2p), udpPort('discv5', RETH_DISCV5_PORT)],
      readiness: readinessTcp(ports.http),
    });
  },
};
