/**
 * JSON Schemas (draft-07) of each plan's provision, update and bind parameters.
 *
 * Schemas depend on the plan's shape (role, Lido mode, target, network, whether the consensus client has
 * a separate validator client), never on the client names, so plans share a handful of schema objects.
 * Two custom formats carry rules JSON Schema cannot express; platforms that do not know them ignore
 * them, and the broker checks them (./validation.ts):
 * - `eip55-address`: 0x + 40 hex digits in EIP-55 checksum form;
 * - `graffiti`: at most 32 bytes once UTF-8 encoded (the beacon block graffiti field is 32 bytes).
 */
import { AWS_SECRET_PATTERN } from '../../modules/aws/secret-arn';
import { DEFAULT_CHECKPOINT_SYNC_URLS } from '../../modules/clients/common';
import type { Component, Role, Target } from '../../modules/clients/types';
import { probeParametersSchema } from '../probes/schema';
import { MAX_VOLUME_GI, RELAY_URL_PATTERN, type NetworkConfig } from './config';

export type JsonSchema = Readonly<Record<string, unknown>>;

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

export type SchemaShape =
  | {
      readonly kind: 'node';
      readonly role: Role;
      readonly lido: boolean;
      readonly target: Target;
      readonly network: NetworkConfig;
      readonly separateValidatorClient: boolean;
      readonly web3signerKeys: boolean;
      /** Validator plans wire MEV-Boost (false where the network enshrines PBS, and for rpc plans). */
      readonly mevBoost: boolean;
      /** The plan's smallest data volumes: the network's, or the client's where it needs more (reth). */
      readonly storageMinimums: { readonly executionGi: number; readonly consensusGi: number };
    }
  | { readonly kind: 'mev-boost'; readonly target: Target; readonly network: NetworkConfig };

/** Cache key: everything a schema depends on. */
export function shapeKey(shape: SchemaShape): string {
  const n = shape.network;
  const network = `${n.network}:${n.defaultRelays.length > 0}`;
  return shape.kind === 'node'
    ? `node/${shape.role}/${shape.lido}/${shape.target}/${network}/${shape.separateValidatorClient}/${shape.web3signerKeys}/${shape.mevBoost}/${shape.storageMinimums.executionGi}:${shape.storageMinimums.consensusGi}`
    : `mev-boost/${shape.target}/${network}`;
}

const relayList = (description: string): JsonSchema => ({
  type: 'array',
  description,
  minItems: 1,
  maxItems: 32,
  uniqueItems: true,
  items: { type: 'string', pattern: RELAY_URL_PATTERN, maxLength: 512 },
});

const minBid: JsonSchema = {
  type: 'number',
  description: 'MEV-Boost -min-bid in ETH: builder bids below it fall back to a locally built block. 0 accepts any bid.',
  minimum: 0,
  maximum: 1_000_000,
};

const resourceOverride: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cpu_request: { type: 'string', pattern: '^([0-9]+m|[0-9]+(\\.[0-9]{1,3})?)$', description: 'Kubernetes CPU quantity, e.g. "2" or "500m".' },
    cpu_limit: { type: 'string', pattern: '^([0-9]+m|[0-9]+(\\.[0-9]{1,3})?)$' },
    memory_request: { type: 'string', pattern: '^[0-9]+(Mi|Gi|Ti)$', description: 'Kubernetes memory quantity, e.g. "16Gi".' },
    memory_limit: { type: 'string', pattern: '^[0-9]+(Mi|Gi|Ti)$' },
  },
};

function validatorKeys(target: Target, web3signer: boolean): JsonSchema {
  const secret =
    target === 'aws'
      ? {
          type: 'object',
          additionalProperties: false,
          required: ['aws_secret'],
          properties: {
            aws_secret: {
              type: 'string',
              pattern: AWS_SECRET_PATTERN,
              maxLength: 2048,
              description:
                'Name (in the region of the instance) or ARN of an AWS Secrets Manager secret whose SecretString is a JSON object of file name -> content: the EIP-2335 keystore-*.json files and password.txt, the password of all of them. ' +
                "The instance's role may read only this secret; the host fetches it at every boot onto tmpfs and imports the keys. A secret encrypted with a customer-managed KMS key also needs kms:Decrypt for the role.",
            },
          },
        }
      : {
          type: 'object',
          additionalProperties: false,
          required: ['kubernetes_secret'],
          properties: {
            kubernetes_secret: {
              type: 'string',
              pattern: '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$',
              description:
                'Name of a Secret in the instance namespace holding the EIP-2335 keystore-*.json files and password.txt, the password of all of them.',
            },
          },
        };
  const signer = {
    type: 'object',
    additionalProperties: false,
    required: ['web3signer_url'],
    properties: { web3signer_url: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048, description: 'Web3Signer the validator client signs through.' } },
  };
  const keySet = target === 'aws' ? 'an AWS Secrets Manager secret (aws_secret)' : 'a Kubernetes Secret (kubernetes_secret)';
  return {
    description: `Where the validator keys live, by reference only (key material is never a parameter): ${
      web3signer ? `${keySet} or a Web3Signer URL` : `${keySet}; this validator client takes no Web3Signer URL by flag`
    }. Default: the validator client starts with no keys.`,
    oneOf: web3signer ? [secret, signer] : [secret],
    // Names where the keys are: accepted, kept encrypted, never returned by GET (OSB fetch).
    writeOnly: true,
  };
}

/** What a new size does to an existing volume, per target. */
const RESIZE: Readonly<Record<Target, string>> = {
  kubernetes:
    "On Kubernetes a StatefulSet's volume claim template cannot change: a new size replaces the StatefulSet (its pods restart; the broker refuses that update unless allow_data_volume_replacement is true), and the existing claim keeps its data and its old size. To grow a volume, expand its PersistentVolumeClaim (the StorageClass must allow volume expansion).",
  aws: 'On AWS the EBS volume is resized in place and the host is replaced, growing the filesystem when the new host boots; the chain data stays. EBS volumes cannot shrink: a smaller size fails at apply.',
  sandbox: 'The sandbox records the size; nothing is allocated.',
};

function storage(layer: 'execution' | 'consensus', minimum: number, network: string, target: Target): JsonSchema {
  return {
    type: 'integer',
    minimum,
    maximum: MAX_VOLUME_GI,
    description: `Size of the ${layer} client's data volume in GiB (at least ${minimum} on ${network} for this client). Default: the client's size for the network (the plan's bullets give it). ${RESIZE[target]}`,
  };
}

const AWS_READINESS =
  'Readiness probe of every component. On AWS a prober on the host runs it: success_threshold passing checks in a row record the component as ready and failure_threshold failures in a row as not ready (in /run/ovsb/ready/<component>, and logged: journalctl -t ovsb-readiness). ' +
  'Nothing routes traffic on one host, so a component that is not ready loses no traffic and is not restarted (liveness restarts). app_start_timeout_sec: a component not ready that long after it started is logged as a failed start; provisioning does not wait for it. ' +
  "Omitted: each client's own probe. Given: unset fields take the seed spec's defaults.";

function nodeProperties(shape: Extract<SchemaShape, { kind: 'node' }>): Record<string, JsonSchema> {
  const { network } = shape;
  const components: Component[] =
    shape.role === 'validator'
      ? ['execution', 'beacon', ...(shape.separateValidatorClient ? (['validator'] as const) : []), ...(shape.mevBoost ? (['mev-boost'] as const) : [])]
      : ['execution', 'beacon'];
  const common: Record<string, JsonSchema> = {
    checkpoint_sync_url: {
      type: 'string',
      format: 'uri',
      pattern: '^https://',
      maxLength: 2048,
      description: `Beacon API to checkpoint-sync from (https). Default: ${network.checkpointSyncUrl ?? DEFAULT_CHECKPOINT_SYNC_URLS[network.network]}.`,
    },
    execution_storage_gi: storage('execution', shape.storageMinimums.executionGi, network.network, shape.target),
    consensus_storage_gi: storage('consensus', shape.storageMinimums.consensusGi, network.network, shape.target),
    resources: {
      type: 'object',
      additionalProperties: false,
      description: "CPU and memory requests/limits per component. Unset fields keep the client's sizing.",
      properties: Object.fromEntries(components.map((c) => [c, { $ref: '#/definitions/resources' }])),
    },
    liveness: probeParametersSchema('liveness', shape.target),
    readiness:
      shape.target === 'aws'
        ? { ...probeParametersSchema('readiness', shape.target), description: AWS_READINESS }
        : probeParametersSchema('readiness', shape.target),
  };
  if (shape.role === 'rpc') return common;
  const lidoNote = shape.lido ? " Lido mode: must be Lido's Execution Layer Rewards Vault for this network." : '';
  return {
    fee_recipient: {
      type: 'string',
      format: 'eip55-address',
      pattern: '^0x[0-9a-fA-F]{40}$',
      not: { pattern: '^0x0{40}$' },
      description: `Address receiving priority fees and MEV, in EIP-55 checksum (mixed-case) form; never the zero address (what is sent there is burned).${lidoNote}`,
    },
    graffiti: {
      type: 'string',
      format: 'graffiti',
      maxLength: 32,
      description: 'Text in proposed blocks: at most 32 bytes of UTF-8 (a multi-byte character counts for more than one). Some clients append client codes when room is left.',
    },
    // Enshrined PBS (EIP-7732): builders bid in-protocol and no MEV-Boost runs, so neither setting applies.
    ...(shape.mevBoost && {
      mev_boost: {
        type: 'object',
        additionalProperties: false,
        description: `MEV-Boost sidecar (on by default).${shape.lido ? ' Lido mode: relays from the allow-list with at least one mandatory relay, min_bid_eth at most the Lido limit.' : ''}`,
        properties: {
          enabled: { type: 'boolean', default: true, description: 'false builds every block locally.' },
          relays: relayList(
            network.defaultRelays.length > 0
              ? `Relay URLs, https://0x<BLS public key>@host. Default: the operator's ${network.defaultRelays.length} relays for ${network.network}.`
              : `Relay URLs, https://0x<BLS public key>@host. Required when enabled: the operator lists no default relays for ${network.network}.`,
          ),
          min_bid_eth: minBid,
        },
      },
      builder_boost_factor: {
        type: 'integer',
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description: `Percentage weight of builder bids against local blocks where the validator client supports it: 0 always local, 100 equal.${shape.lido ? ' Lido mode: 100.' : ''} Default: the client's.`,
      },
    }),
    validator_keys: validatorKeys(shape.target, shape.web3signerKeys),
    validator_count: {
      type: 'integer',
      minimum: 1,
      maximum: 1_000_000,
      description: "Number of validators this instance runs; weights the operator's client-diversity ledger. Default 1.",
    },
    doppelganger_protection: {
      type: 'boolean',
      default: true,
      description: 'Wait a few epochs for the keys to be seen elsewhere before attesting.',
    },
    ...common,
  };
}

function objectSchema(
  title: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[],
  definitions?: Record<string, JsonSchema>,
): JsonSchema {
  return {
    $schema: DRAFT_07,
    title,
    type: 'object',
    additionalProperties: false,
    ...(required.length > 0 && { required }),
    properties,
    ...(definitions && { definitions }),
  };
}

/** Shared parts of node schemas, referenced from inside the schema (never from outside it). */
const NODE_DEFINITIONS = { resources: resourceOverride };

const VOLUME_REPLACEMENT: JsonSchema = {
  type: 'boolean',
  default: false,
  description: 'Consent to a change that replaces a data volume (shrinking it, for example): the chain data is lost and resyncs. Without it such an update is refused.',
};

export function instanceSchema(shape: SchemaShape, operation: 'create' | 'update'): JsonSchema {
  if (shape.kind === 'mev-boost') {
    const hasDefaults = shape.network.defaultRelays.length > 0;
    const properties = {
      relays: relayList(
        hasDefaults
          ? `Relay URLs, https://0x<BLS public key>@host. Default: the operator's ${shape.network.defaultRelays.length} relays for ${shape.network.network}.`
          : 'Relay URLs, https://0x<BLS public key>@host.',
      ),
      min_bid_eth: minBid,
    };
    const required = operation === 'create' && !hasDefaults ? ['relays'] : [];
    return objectSchema(`MEV-Boost on ${shape.network.network}: ${operation} parameters`, properties, required);
  }
  const properties = nodeProperties(shape);
  const title = `${shape.role === 'validator' ? 'Validator' : 'RPC'} node on ${shape.network.network}: ${operation} parameters`;
  if (operation === 'update') {
    return objectSchema(title, { ...properties, allow_data_volume_replacement: VOLUME_REPLACEMENT }, [], NODE_DEFINITIONS);
  }
  return objectSchema(title, properties, shape.role === 'validator' ? ['fee_recipient'] : [], NODE_DEFINITIONS);
}

/**
 * The bind schema of plans whose bindings may ask for scopes within `allowance` (scope templates over
 * {instance_id}, catalog.yaml `scopes.allowed`).
 */
export function bindSchema(allowance: readonly string[]): JsonSchema {
  const allowed = allowance.map((template) => template.replaceAll('{instance_id}', '<instance-id>')).join(' ');
  return objectSchema(
    'Binding parameters',
    {
      scopes: {
        type: 'array',
        description:
          'Scopes (realm:context:action) the binding token carries, as POST /introspect reports them to an RPC gateway. Default: pool:validator.<instance-id>:read.basic. ' +
          `Allowed on this plan: any non-empty set of scopes within ${allowed} (in the id, _ . ~ are written _5f _2e _7e); a request for anything wider is refused, naming the scope.`,
        minItems: 1,
        maxItems: 32,
        uniqueItems: true,
        items: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\s]+$' },
      },
    },
    [],
  );
}
