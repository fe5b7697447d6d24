/**
 * What each client's documentation says its flags are: the test oracle, written independently of
 * the definitions (clients.md and the clients' own docs). A definition that drifts from these
 * tables fails the wiring tests.
 */
import type { ConsensusClientName, ExecutionClientName, Network } from '../../modules/clients/types';

export const FEE_RECIPIENT = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
export const RELAY = `https://0x${'ab'.repeat(48)}@relay.example.org`;

/** Host names a target would give: distinct per component so wiring mistakes show. */
export const hostOf = (component: string): string => `${component}.ovsb-test.svc.cluster.local`;

/** Every value given to `flag`, as `flag=value` or as `flag value`. */
export function flagValues(args: readonly string[], flag: string): string[] {
  const values: string[] = [];
  args.forEach((arg, index) => {
    if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
    else if (arg === flag && index + 1 < args.length && !args[index + 1]!.startsWith('-')) values.push(args[index + 1]!);
  });
  return values;
}

/** The single value of `flag`; fails the test (via the returned message) when absent or repeated. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  const values = flagValues(args, flag);
  return values.length === 1 ? values[0] : undefined;
}

export function hasFlag(args: readonly string[], flag: string): boolean {
  return args.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
}

export const EL_NETWORK_ARG: Record<ExecutionClientName, Record<Network, string>> = {
  geth: { mainnet: '--mainnet', hoodi: '--hoodi', sepolia: '--sepolia' },
  nethermind: { mainnet: '--config=mainnet', hoodi: '--config=hoodi', sepolia: '--config=sepolia' },
  besu: { mainnet: '--network=mainnet', hoodi: '--network=hoodi', sepolia: '--network=sepolia' },
  erigon: { mainnet: '--chain=mainnet', hoodi: '--chain=hoodi', sepolia: '--chain=sepolia' },
  reth: { mainnet: '--chain=mainnet', hoodi: '--chain=hoodi', sepolia: '--chain=sepolia' },
};

export const CL_NETWORK_ARG: Record<ConsensusClientName, Record<Network, string>> = {
  lighthouse: { mainnet: '--network=mainnet', hoodi: '--network=hoodi', sepolia: '--network=sepolia' },
  prysm: { mainnet: '--mainnet', hoodi: '--hoodi', sepolia: '--sepolia' },
  teku: { mainnet: '--network=mainnet', hoodi: '--network=hoodi', sepolia: '--network=sepolia' },
  nimbus: { mainnet: '--network=mainnet', hoodi: '--network=hoodi', sepolia: '--network=sepolia' },
  lodestar: { mainnet: '--network=mainnet', hoodi: '--network=hoodi', sepolia: '--network=sepolia' },
  grandine: { mainnet: '--network=mainnet', hoodi: '--network=hoodi', sepolia: '--network=sepolia' },
};

/** The validator client's network argument; nimbus's VC takes the network from its beacon node. */
export const VC_NETWORK_ARG: Record<Exclude<ConsensusClientName, 'grandine'>, Record<Network, string> | undefined> = {
  lighthouse: CL_NETWORK_ARG.lighthouse,
  prysm: CL_NETWORK_ARG.prysm,
  teku: CL_NETWORK_ARG.teku,
  nimbus: undefined,
  lodestar: CL_NETWORK_ARG.lodestar,
};

interface ElFlags {
  readonly engineJwt: string;
  readonly enginePort: string;
  /** Listeners another pod connects to, each must be 0.0.0.0. */
  readonly bindAll: readonly string[];
  /** Flags that turn on what is off by default. */
  readonly enable: readonly string[];
  readonly httpPort: string;
  /** Absent for reth: `--metrics=IP:PORT` both enables and binds. */
  readonly metricsEnable: string | undefined;
}

export const EL_FLAGS: Record<ExecutionClientName, ElFlags> = {
  geth: {
    engineJwt: '--authrpc.jwtsecret',
    enginePort: '--authrpc.port',
    bindAll: ['--http.addr', '--ws.addr', '--authrpc.addr', '--metrics.addr'],
    enable: ['--http', '--ws', '--authrpc.vhosts=*'],
    httpPort: '--http.port',
    metricsEnable: '--metrics',
  },
  nethermind: {
    engineJwt: '--JsonRpc.JwtSecretFile',
    enginePort: '--JsonRpc.EnginePort',
    bindAll: ['--JsonRpc.Host', '--JsonRpc.EngineHost'],
    enable: ['--JsonRpc.Enabled=true', '--Init.WebSocketsEnabled=true'],
    httpPort: '--JsonRpc.Port',
    metricsEnable: '--Metrics.Enabled=true',
  },
  besu: {
    engineJwt: '--engine-jwt-secret',
    enginePort: '--engine-rpc-port',
    bindAll: ['--rpc-http-host', '--rpc-ws-host', '--metrics-host'],
    enable: ['--rpc-http-enabled=true', '--rpc-ws-enabled=true', '--engine-rpc-enabled=true', '--engine-host-allowlist=*'],
    httpPort: '--rpc-http-port',
    metricsEnable: '--metrics-enabled=true',
  },
  erigon: {
    engineJwt: '--authrpc.jwtsecret',
    enginePort: '--authrpc.port',
    bindAll: ['--http.addr', '--authrpc.addr', '--metrics.addr'],
    enable: ['--http', '--ws', '--externalcl', '--authrpc.vhosts=*'],
    httpPort: '--http.port',
    metricsEnable: '--metrics',
  },
  reth: {
    engineJwt: '--authrpc.jwtsecret',
    enginePort: '--authrpc.port',
    bindAll: ['--http.addr', '--ws.addr', '--authrpc.addr'],
    enable: ['--http', '--ws'],
    httpPort: '--http.port',
    metricsEnable: undefined,
  },
};

interface ClFlags {
  readonly engineUrl: string;
  readonly jwt: string;
  readonly bindAll: readonly string[];
  readonly enable: readonly string[];
  readonly restPort: string;
  readonly metricsEnable: string | undefined;
  readonly metricsPort: string;
  /** Absent for nimbus: checkpoint sync runs in an init container. */
  readonly checkpoint: string | undefined;
  readonly feeRecipient: string;
  readonly builderUrl: string;
}

export const CL_FLAGS: Record<ConsensusClientName, ClFlags> = {
  lighthouse: {
    engineUrl: '--execution-endpoint',
    jwt: '--execution-jwt',
    bindAll: ['--http-address', '--metrics-address'],
    enable: ['--http'],
    restPort: '--http-port',
    metricsEnable: '--metrics',
    metricsPort: '--metrics-port',
    checkpoint: '--checkpoint-sync-url',
    feeRecipient: '--suggested-fee-recipient',
    builderUrl: '--builder',
  },
  prysm: {
    engineUrl: '--execution-endpoint',
    jwt: '--jwt-secret',
    bindAll: ['--http-host', '--rpc-host', '--monitoring-host'],
    enable: ['--accept-terms-of-use'],
    restPort: '--http-port',
    metricsEnable: undefined,
    metricsPort: '--monitoring-port',
    checkpoint: '--checkpoint-sync-url',
    feeRecipient: '--suggested-fee-recipient',
    builderUrl: '--http-mev-relay',
  },
  teku: {
    engineUrl: '--ee-endpoint',
    jwt: '--ee-jwt-secret-file',
    bindAll: ['--rest-api-interface', '--metrics-interface'],
    enable: ['--rest-api-enabled=true', '--rest-api-host-allowlist=*', '--metrics-host-allowlist=*'],
    restPort: '--rest-api-port',
    metricsEnable: '--metrics-enabled=true',
    metricsPort: '--metrics-port',
    checkpoint: '--checkpoint-sync-url',
    feeRecipient: '--validators-proposer-default-fee-recipient',
    builderUrl: '--builder-endpoint',
  },
  nimbus: {
    engineUrl: '--el',
    jwt: '--jwt-secret',
    bindAll: ['--rest-address', '--metrics-address'],
    enable: ['--rest=true'],
    restPort: '--rest-port',
    metricsEnable: '--metrics=true',
    metricsPort: '--metrics-port',
    checkpoint: undefined,
    feeRecipient: '--suggested-fee-recipient',
    builderUrl: '--payload-builder-url',
  },
  lodestar: {
    engineUrl: '--execution.urls',
    jwt: '--jwtSecret',
    bindAll: ['--rest.address', '--metrics.address'],
    enable: ['--rest'],
    restPort: '--rest.port',
    metricsEnable: '--metrics',
    metricsPort: '--metrics.port',
    checkpoint: '--checkpointSyncUrl',
    feeRecipient: '--suggestedFeeRecipient',
    builderUrl: '--builder.url',
  },
  grandine: {
    engineUrl: '--eth1-rpc-urls',
    jwt: '--jwt-secret',
    bindAll: ['--http-address', '--metrics-address'],
    enable: [],
    restPort: '--http-port',
    metricsEnable: '--metrics',
    metricsPort: '--metrics-port',
    checkpoint: '--checkpoint-sync-url',
    feeRecipient: '--suggested-fee-recipient',
    builderUrl: '--builder-url',
  },
};

interface VcFlags {
  /** Absent for grandine: its validator runs inside the beacon node. */
  readonly beaconNode: string | undefined;
  readonly feeRecipient: string;
  readonly graffiti: string;
  /** Args that must be present when doppelganger protection is on. */
  readonly doppelgangerOn: readonly string[];
  /** Args that must be present when it is off (nimbus defaults it to on). */
  readonly doppelgangerOff: readonly string[];
  readonly builder: readonly string[];
  readonly metricsBind: string;
  readonly metricsPort: string;
}

/** grandine's built-in validator takes these flags on the beacon node. */
export const VC_FLAGS: Record<ConsensusClientName, VcFlags> = {
  lighthouse: {
    beaconNode: '--beacon-nodes',
    feeRecipient: '--suggested-fee-recipient',
    graffiti: '--graffiti',
    doppelgangerOn: ['--enable-doppelganger-protection'],
    doppelgangerOff: [],
    builder: ['--builder-proposals'],
    metricsBind: '--metrics-address',
    metricsPort: '--metrics-port',
  },
  prysm: {
    beaconNode: '--beacon-rpc-provider',
    feeRecipient: '--suggested-fee-recipient',
    graffiti: '--graffiti',
    doppelgangerOn: ['--enable-doppelganger'],
    doppelgangerOff: [],
    builder: ['--enable-builder'],
    metricsBind: '--monitoring-host',
    metricsPort: '--monitoring-port',
  },
  teku: {
    beaconNode: '--beacon-node-api-endpoint',
    feeRecipient: '--validators-proposer-default-fee-recipient',
    graffiti: '--validators-graffiti',
    doppelgangerOn: ['--doppelganger-detection-enabled=true'],
    doppelgangerOff: [],
    builder: ['--validators-builder-registration-default-enabled=true'],
    metricsBind: '--metrics-interface',
    metricsPort: '--metrics-port',
  },
  nimbus: {
    beaconNode: '--beacon-node',
    feeRecipient: '--suggested-fee-recipient',
    graffiti: '--graffiti',
    doppelgangerOn: ['--doppelganger-detection=true'],
    doppelgangerOff: ['--doppelganger-detection=false'],
    builder: ['--payload-builder=true'],
    metricsBind: '--metrics-address',
    metricsPort: '--metrics-port',
  },
  lodestar: {
    beaconNode: '--beaconNodes',
    feeRecipient: '--suggestedFeeRecipient',
    graffiti: '--graffiti',
    doppelgangerOn: ['--doppelgangerProtection'],
    doppelgangerOff: [],
    builder: ['--builder'],
    metricsBind: '--metrics.address',
    metricsPort: '--metrics.port',
  },
  grandine: {
    beaconNode: undefined,
    feeRecipient: '--suggested-fee-recipient',
    graffiti: '--graffiti',
    doppelgangerOn: ['--track-liveness', '--detect-doppelgangers'],
    doppelgangerOff: [],
    builder: ['--builder-url'],
    metricsBind: '--metrics-address',
    metricsPort: '--metrics-port',
  },
};

/** Where the builder boost factor goes, and the value expected for factor 100 (Lido's 1:1). */
export const BOOST_FACTOR_100: Record<ConsensusClientName, { component: 'beacon' | 'validator'; args: readonly string[] }> = {
  lighthouse: { component: 'validator', args: ['--builder-boost-factor=100'] },
  prysm: { component: 'beacon', args: ['--local-block-value-boost=0'] },
  teku: { component: 'beacon', args: ['--builder-bid-compare-factor=100'] },
  nimbus: { component: 'validator', args: ['--builder-boost-factor=100'] },
  lodestar: { component: 'validator', args: ['--builder.selection=maxprofit', '--builder.boostFactor=100'] },
  grandine: { component: 'beacon', args: ['--default-builder-boost-factor=100'] },
};

/** Web3signer flags when the keys are a web3signer URL (lighthouse has none). */
export const WEB3SIGNER_ARGS: Record<Exclude<ConsensusClientName, 'lighthouse'>, (url: string) => readonly string[]> = {
  prysm: (url) => [`--validators-external-signer-url=${url}`, `--validators-external-signer-public-keys=${url}/api/v1/eth2/publicKeys`],
  teku: (url) => [`--validators-external-signer-url=${url}`, '--validators-external-signer-public-keys=external-signer'],
  nimbus: (url) => [`--web3-signer-url=${url}`],
  lodestar: (url) => [`--externalSigner.url=${url}`, '--externalSigner.fetch'],
  grandine: (url) => [`--web3signer-urls=${url}`],
};

export const CHECKPOINT_URL: Record<Network, string> = {
  mainnet: 'https://mainnet-checkpoint-sync.attestant.io',
  hoodi: 'https://checkpoint-sync.hoodi.ethpandaops.io',
  sepolia: 'https://checkpoint-sync.sepolia.ethpandaops.io',
};

export const MEV_BOOST_NETWORK_ARG: Record<Network, string> = { mainnet: '-mainnet', hoodi: '-hoodi', sepolia: '-sepolia' };
