import type {
  Component,
  ConsensusClientName,
  ExecutionClientName,
  Network,
  ResourceSpec,
  Role,
  Target,
} from '../modules/clients/types';

/** One client picked from the catalog. */
export interface ClientSelection<Name extends string = string> {
  readonly client: Name;
  /** Image tag. */
  readonly version: string;
  /**
   * Image repository override (a private registry mirror, say).
   * @default the client's public image repository
   */
  readonly imageRepository?: string;
}

/**
 * Where validator keys live. Key material is never a parameter, only a reference to it: a Kubernetes
 * Secret (kubernetes and sandbox targets), an AWS Secrets Manager secret by name or ARN (aws target:
 * the host fetches it at boot through its instance role), or a web3signer.
 */
export type ValidatorKeysRef =
  | { readonly kind: 'kubernetes-secret'; readonly secretName: string }
  | { readonly kind: 'aws-secret'; readonly secretId: string }
  | { readonly kind: 'web3signer'; readonly url: string };

/** One probe's settings in the seed spec's vocabulary (see shared/reference/seed-spec-notes.md). */
export interface ProbeSettings {
  /** @default the component's own health path */
  readonly path?: string;
  readonly timeoutSec: number;
  readonly checkIntervalSec: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
  /** Liveness only: start-up grace. */
  readonly initialDelaySec?: number;
  /** Readiness only: how long a new deployment may take to become healthy. */
  readonly appStartTimeoutSec?: number;
}

export interface MevBoostSettings {
  readonly version: string;
  /** @default flashbots/mev-boost */
  readonly imageRepository?: string;
  /** Relay URLs, `https://0x<pubkey>@host`. */
  readonly relays: readonly string[];
  /** @default 0 (no minimum bid) */
  readonly minBidEth?: number;
}

/**
 * What runs, independent of where: the client topology of one node instance.
 * Resolved from a catalog service + plan + OSB parameters by src/topology.
 */
export interface NodeSpec {
  readonly network: Network;
  readonly role: Role;
  readonly execution: ClientSelection<ExecutionClientName>;
  readonly consensus: ClientSelection<ConsensusClientName>;
  /**
   * 0x address (checksummed) that receives priority fees and MEV. Required for the `validator` role.
   * @default none (rpc nodes propose no blocks)
   */
  readonly feeRecipient?: string;
  /** @default none */
  readonly graffiti?: string;
  /** @default the network's well-known checkpoint sync URL */
  readonly checkpointSyncUrl?: string;
  /**
   * MEV-Boost sidecar wired into the beacon node and validator client.
   * @default none (local block building only)
   */
  readonly mevBoost?: MevBoostSettings;
  /**
   * Builder boost factor for validator clients that support it (Lido asks for 100).
   * @default the client's default
   */
  readonly builderBoostFactor?: number;
  /** Validator role only. @default none: the validator starts with no keys until some are loaded */
  readonly validatorKeys?: ValidatorKeysRef;
  /** @default true */
  readonly doppelgangerProtection?: boolean;
  /** @default the client's size for the network (see each client definition) */
  readonly executionStorageGi?: number;
  /** @default the client's size for the network */
  readonly consensusStorageGi?: number;
  /** Per-component overrides of requests/limits. @default each client's sizing */
  readonly resources?: Readonly<Partial<Record<Component, Partial<ResourceSpec>>>>;
  /** @default each client's own probes */
  readonly liveness?: ProbeSettings;
  /** @default each client's own probes */
  readonly readiness?: ProbeSettings;
}

/** Terraform state backend. Secrets (connection strings) come from the environment, never from here. */
export type BackendProps =
  /** State in the workspace directory, relative path. */
  | { readonly kind: 'local'; readonly path?: string }
  /** Terraform's built-in pg backend; conn_str from PG_CONN_STR in terraform's environment. */
  | { readonly kind: 'pg'; readonly schemaName: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      /** @default none (S3 native locking is used) */
      readonly dynamodbTable?: string;
    };

export interface KubernetesTargetProps {
  /** @default `ovsb-<instanceName>` */
  readonly namespace?: string;
  /** @default the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** kubeconfig context for the provider. @default the provider's own resolution (KUBE_* env, in-cluster) */
  readonly configContext?: string;
}

export interface AwsTargetProps {
  /** @default us-east-1 */
  readonly region?: string;
  /** @default sized from the topology (e.g. m6i.2xlarge for mainnet validator) */
  readonly instanceType?: string;
  /** @default the default VPC's default subnet */
  readonly subnetId?: string;
  /** @default the latest Ubuntu 24.04 LTS AMI for the region, looked up by the stack */
  readonly amiId?: string;
  /** @default gp3 */
  readonly volumeType?: 'gp3' | 'io2';
  /** Provisioned IOPS for the data volume. @default 10000 (Nethermind's minimum guidance) */
  readonly volumeIops?: number;
  /** gp3 only: provisioned throughput of the data volume in MiB/s. @default 500 */
  readonly volumeThroughputMiBps?: number;
  /**
   * CIDRs allowed to reach RPC/metrics ports (the Engine API and P2P rules do not change). An empty
   * list closes them to everything but the host itself.
   * @default the CIDR of the subnet's VPC: the consumers the bindings are for
   */
  readonly rpcAllowedCidrs?: readonly string[];
  /**
   * An Elastic IP on the host's network interface: peers reach P2P on it, it stays the same across
   * instance replacements, and in a subnet without a NAT gateway it is the host's way out (image pulls,
   * relays). Turn it off in a subnet without an internet gateway.
   * @default true
   */
  readonly publicIp?: boolean;
}

/** Props shared by every stack the broker or a team synthesises. */
export interface StackCommonProps {
  /** DNS-label-safe instance name (<= 40 chars, [a-z0-9-]); names namespaces, hosts and resources. */
  readonly instanceName: string;
  readonly target: Target;
  /** @default local state in the working directory */
  readonly backend?: BackendProps;
  readonly kubernetes?: KubernetesTargetProps;
  readonly aws?: AwsTargetProps;
}

export interface NodeStackProps extends StackCommonProps, NodeSpec {}

/** MEV-Boost as a middleware service of its own, shared by beacon nodes elsewhere. */
export interface MevBoostStackProps extends StackCommonProps, MevBoostSettings {
  readonly network: Network;
}
