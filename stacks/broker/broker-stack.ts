/**
 * The broker's own stack: deploys `ovsb serve` to Kubernetes so a team can `cdktf deploy ovsb-broker`.
 * A pure function of BrokerStackProps; secrets are Terraform variables, never values in the JSON.
 *
 * Contract:
 * - construct ids: `backend`, `kubernetes` (provider), variables `image` (when `image` is not set),
 *   `broker_password`, `introspect_password`, `encryption_key`, `database_url` (all sensitive; only
 *   when the stack creates the credentials Secret), `broker` (modules/broker/broker-deployment.ts; ids inside it there).
 *   With `gateway`: `gateway` (modules/broker/gateway-deployment.ts), the RPC gateway next to the broker.
 * - outputs: `broker_url` (what platforms register), `namespace`, `service_name`; with `gateway`: `gateway_url`.
 *
 * Deploying (docs/iac-workflow.md): give the secrets as TF_VAR_broker_password, TF_VAR_introspect_password,
 * TF_VAR_encryption_key and TF_VAR_database_url in the environment of `cdktf deploy`; they reach the cluster in a Secret and
 * terraform's state (keep that backend private), never the synthesised configuration.
 */
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import type { ResourceSpec } from '../../modules/clients/types';
import {
  BROKER_PORT,
  BrokerDeployment,
  DEFAULT_BROKER_RESOURCES,
  type BrokerCredentials,
  type BrokerSecretKey,
} from '../../modules/broker/broker-deployment';
import { DEFAULT_GATEWAY_RESOURCES, GATEWAY_PORT, GatewayDeployment } from '../../modules/broker/gateway-deployment';
import { DEFAULT_INTROSPECT_USERNAME } from '../../src/config';
import { configureBackend } from '../backend';
import type { BackendProps } from '../props';

export { BROKER_STACK_NAME } from './names';

/** The RPC gateway (`ovsb gateway`) deployed next to the broker. */
export interface BrokerGatewayProps {
  /** @default 2 */
  readonly replicas?: number;
  /**
   * The URL consumers reach the gateway at (an Ingress or LoadBalancer in front of its Service, set up
   * outside this stack): the broker's OVSB_GATEWAY_URL, so binding credentials point there.
   * @default the in-cluster Service URL, `http://<name>-gateway.<namespace>.svc.cluster.local:8081`
   */
  readonly publicUrl?: string;
  /** @default 250m/2 CPU, 256Mi/1Gi memory */
  readonly resources?: Partial<ResourceSpec>;
  /** Extra non-secret environment, e.g. `OVSB_GATEWAY_TOKEN_CACHE_SEC`. @default none */
  readonly extraEnv?: Readonly<Record<string, string>>;
}

export interface BrokerStackProps {
  /**
   * Image reference built from this repository's Dockerfile, e.g. `registry.example.com/ovsb:0.1.0`.
   * No public image is published, so there is no default tag to trust.
   * @default a required Terraform variable `image` (`TF_VAR_image` / `cdktf deploy --var image=...`)
   */
  readonly image?: string;
  /** @default 2 (two replicas ride out a node drain and a rolling update) */
  readonly replicas?: number;
  /** @default `ovsb` */
  readonly namespace?: string;
  /** @default true; false when the namespace exists already */
  readonly createNamespace?: boolean;
  /** Name of the Deployment, Service, ServiceAccount and Secret. @default `ovsb-broker` */
  readonly name?: string;
  /** HTTP Basic user platforms authenticate with. @default `ovsb` */
  readonly username?: string;
  /**
   * A Secret managed elsewhere (external-secrets, sealed-secrets) holding the keys OVSB_PASSWORD,
   * OVSB_INTROSPECT_PASSWORD, OVSB_ENCRYPTION_KEY and OVSB_DATABASE_URL.
   * @default a Secret this stack creates from the sensitive variables `broker_password`,
   *   `introspect_password`, `encryption_key` and `database_url`
   */
  readonly existingCredentialsSecret?: string;
  /**
   * catalog.yaml content to serve (the caller reads the file; synthesis reads none).
   * @default the catalog bundled in the image
   */
  readonly catalogYaml?: string;
  /**
   * Grant the broker's ServiceAccount the cluster-wide rights the kubernetes target needs (namespaces,
   * StatefulSets, Services, Secrets, NetworkPolicies) to create instances in this same cluster.
   * @default true
   */
  readonly kubernetesTargetAccess?: boolean;
  /** A PVC holding a terraform provider mirror, mounted read-only as OVSB_PROVIDER_MIRROR. @default none */
  readonly providerMirrorClaimName?: string;
  /** @default 4 */
  readonly maxConcurrentApplies?: number;
  /** @default `info` */
  readonly logLevel?: string;
  /** @default 500m/2 CPU, 1Gi/4Gi memory (terraform provider plugins are memory-hungry) */
  readonly resources?: Partial<ResourceSpec>;
  /** Extra non-secret environment, e.g. `AWS_REGION` or `OVSB_TF_PASS_ENV`. @default none */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** kubeconfig context of the cluster to deploy to. @default the provider's own resolution (KUBE_* env) */
  readonly configContext?: string;
  /** Deploy the RPC gateway too, and point binding credentials at it. @default none (no gateway) */
  readonly gateway?: BrokerGatewayProps;
  /** State of this stack (not of the instances: those are in the broker's pg backend). @default local */
  readonly backend?: BackendProps;
}

const SECRET_VARIABLES: Readonly<Record<BrokerSecretKey, { id: string; description: string }>> = {
  OVSB_PASSWORD: { id: 'broker_password', description: 'HTTP Basic password platforms use (at least 12 characters)' },
  OVSB_INTROSPECT_PASSWORD: {
    id: 'introspect_password',
    description: 'HTTP Basic password RPC gateways use for POST /introspect and /gateway only (at least 12 characters, not the broker password)',
  },
  OVSB_ENCRYPTION_KEY: { id: 'encryption_key', description: '32-byte key for secrets at rest, base64 or hex (openssl rand -base64 32); the same for every replica' },
  OVSB_DATABASE_URL: { id: 'database_url', description: 'postgres:// URL of the database the replicas share; also holds instance terraform state (pg backend)' },
};

export class BrokerStack extends TerraformStack {
  readonly deployment: BrokerDeployment;

  constructor(scope: Construct, id: string, props: BrokerStackProps = {}) {
    super(scope, id);
    configureBackend(this, props.backend);
    new KubernetesProvider(this, 'kubernetes', props.configContext ? { configContext: props.configContext } : {});

    const image =
      props.image ??
      new TerraformVariable(this, 'image', {
        type: 'string',
        description: 'broker image built from the Dockerfile, e.g. registry.example.com/ovsb:0.1.0',
      }).stringValue;

    const credentials: BrokerCredentials =
      props.existingCredentialsSecret !== undefined
        ? { kind: 'existing-secret', secretName: props.existingCredentialsSecret }
        : {
            kind: 'values',
            values: Object.fromEntries(
              Object.entries(SECRET_VARIABLES).map(([key, { id: variableId, description }]) => [
                key,
                new TerraformVariable(this, variableId, { type: 'string', sensitive: true, nullable: false, description }).stringValue,
              ]),
            ) as Record<BrokerSecretKey, string>,
          };

    const name = props.name ?? 'ovsb-broker';
    const namespace = props.namespace ?? 'ovsb';
    const gatewayName = `${name}-gateway`;
    const gatewayUrl = props.gateway === undefined ? undefined : (props.gateway.publicUrl ?? `http://${gatewayName}.${namespace}.svc.cluster.local:${GATEWAY_PORT}`);
    this.deployment = new BrokerDeployment(this, 'broker', {
      image,
      name,
      namespace,
      createNamespace: props.createNamespace ?? true,
      replicas: props.replicas ?? 2,
      credentials,
      username: props.username ?? 'ovsb',
      ...(props.catalogYaml !== undefined ? { catalogYaml: props.catalogYaml } : {}),
      kubernetesTargetAccess: props.kubernetesTargetAccess ?? true,
      ...(props.providerMirrorClaimName !== undefined ? { providerMirrorClaimName: props.providerMirrorClaimName } : {}),
      maxConcurrentApplies: props.maxConcurrentApplies ?? 4,
      logLevel: props.logLevel ?? 'info',
      resources: { ...DEFAULT_BROKER_RESOURCES, ...props.resources },
      extraEnv: { ...props.extraEnv, ...(gatewayUrl !== undefined && { OVSB_GATEWAY_URL: gatewayUrl }) },
    });

    if (props.gateway !== undefined && gatewayUrl !== undefined) {
      new GatewayDeployment(this, 'gateway', {
        image,
        name: gatewayName,
        namespace: this.deployment.namespaceRef,
        namespaceName: namespace,
        replicas: props.gateway.replicas ?? 2,
        brokerUrl: `http://${this.deployment.serviceHost}:${BROKER_PORT}`,
        secretName: this.deployment.secretName,
        introspectUsername: DEFAULT_INTROSPECT_USERNAME,
        logLevel: props.logLevel ?? 'info',
        resources: { ...DEFAULT_GATEWAY_RESOURCES, ...props.gateway.resources },
        extraEnv: props.gateway.extraEnv ?? {},
      });
      new TerraformOutput(this, 'gateway_url', { value: gatewayUrl, description: 'URL of the RPC gateway; binding credentials point at it' });
    }

    new TerraformOutput(this, 'broker_url', {
      value: `http://${this.deployment.serviceHost}:${BROKER_PORT}`,
      description: 'URL platforms register the broker with (inside the cluster)',
    });
    new TerraformOutput(this, 'namespace', { value: this.deployment.namespaceName, description: 'namespace of the broker' });
    new TerraformOutput(this, 'service_name', { value: this.deployment.serviceName, description: 'ClusterIP Service of the broker' });
  }
}
