/**
 * The broker itself on Kubernetes: `ovsb serve` behind a ClusterIP Service, several replicas sharing one
 * PostgreSQL database (broker storage) and terraform's pg backend (instance state).
 *
 * Why the pg backend and no PersistentVolumeClaim for terraform state: a PVC that every replica mounts
 * must be ReadWriteMany, which most block-storage classes cannot provide; with ReadWriteOnce only one
 * replica could start. The pg backend keeps every instance's state (with locking) in the database the
 * replicas already share, so any replica can run any instance's next operation, and a pod's local data
 * directory (an emptyDir: workspaces, provider plugin cache) is disposable.
 *
 * Construct ids (a contract: they become Terraform addresses):
 * - `namespace`              namespace_v1, unless `createNamespace` is false
 * - `service-account`        service_account_v1 the pods run as
 * - `cluster-role`, `cluster-role-binding`  what the kubernetes target needs (when `kubernetesTargetAccess`)
 * - `credentials`            secret_v1 with OVSB_PASSWORD, OVSB_INTROSPECT_PASSWORD, OVSB_ENCRYPTION_KEY,
 *                            OVSB_DATABASE_URL (unless `credentials.existingSecretName` names one managed elsewhere)
 * - `catalog`                config_map_v1 holding catalog.yaml (when `catalogYaml` is given)
 * - `deployment`             deployment_v1
 * - `service`                service_v1
 * - `disruption-budget`      pod_disruption_budget_v1 keeping one replica up through node drains
 */
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { ClusterRoleV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-v1';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { DeploymentV1, type DeploymentV1SpecTemplateSpecContainerEnv } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import type { ResourceSpec } from '../clients/types';
import { ConfigError } from '../errors';
import { terraformLiteral } from '../sandbox/builtins';

/**
 * The keys of the credentials Secret; each becomes the environment variable of the same name.
 * OVSB_INTROSPECT_PASSWORD is pinned too: the data dir is an emptyDir, so a generated one would differ
 * per replica and change on every restart.
 */
export const BROKER_SECRET_KEYS = ['OVSB_PASSWORD', 'OVSB_INTROSPECT_PASSWORD', 'OVSB_ENCRYPTION_KEY', 'OVSB_DATABASE_URL'] as const;
export type BrokerSecretKey = (typeof BROKER_SECRET_KEYS)[number];

/** The port `ovsb serve` listens on inside the pod and the Service exposes. */
export const BROKER_PORT = 8080;
/** UID/GID of the image's non-root user (Dockerfile). */
export const BROKER_UID = 10001;
/** The pod's writable data directory: workspaces and plugin cache, disposable (state is in pg). */
export const BROKER_DATA_DIR = '/var/lib/ovsb';
const CATALOG_DIR = '/etc/ovsb';
const PROVIDER_MIRROR_DIR = '/opt/terraform-providers';

/** The image's non-root user, no privilege escalation, read-only root: the broker's and the gateway's pods. */
export const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: String(BROKER_UID),
  runAsGroup: String(BROKER_UID),
  fsGroup: String(BROKER_UID),
  seccompProfile: { type: 'RuntimeDefault' },
};
export const CONTAINER_SECURITY_CONTEXT = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

export const DEFAULT_BROKER_RESOURCES: ResourceSpec = {
  // Each terraform run starts provider plugins (the AWS provider alone takes several hundred MiB).
  cpuRequest: '500m',
  cpuLimit: '2',
  memoryRequest: '1Gi',
  memoryLimit: '4Gi',
};

/** Where the credentials come from: values (Terraform variable references) or a Secret managed elsewhere. */
export type BrokerCredentials =
  | { readonly kind: 'values'; readonly values: Readonly<Record<BrokerSecretKey, string>> }
  | { readonly kind: 'existing-secret'; readonly secretName: string };

export interface BrokerDeploymentProps {
  /** Image reference, `registry/ovsb:tag`. */
  readonly image: string;
  /** Names every object (Deployment, Service, Secret, ...). */
  readonly name: string;
  readonly namespace: string;
  /** False when the namespace exists already (managed by the platform team). */
  readonly createNamespace: boolean;
  readonly replicas: number;
  readonly credentials: BrokerCredentials;
  /** HTTP Basic user platforms authenticate with. */
  readonly username: string;
  /** catalog.yaml content; undefined serves the catalog bundled in the image. */
  readonly catalogYaml?: string;
  /** Grant the cluster-wide rights the kubernetes target needs to create instances in this cluster. */
  readonly kubernetesTargetAccess: boolean;
  /** A PVC holding a terraform provider mirror (`terraform providers mirror`), mounted read-only. */
  readonly providerMirrorClaimName?: string;
  readonly maxConcurrentApplies: number;
  readonly logLevel: string;
  readonly resources: ResourceSpec;
  /** Extra non-secret environment (`OVSB_TF_PASS_ENV` names, AWS_REGION, ...). */
  readonly extraEnv: Readonly<Record<string, string>>;
}

/** Verbs the kubernetes provider needs to create, update and destroy what a node stack declares. */
const MANAGE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

export class BrokerDeployment extends Construct {
  /** The Service's cluster DNS name. */
  readonly serviceHost: string;
  /** The Secret holding BROKER_SECRET_KEYS (created here or managed elsewhere). */
  readonly secretName: string;
  readonly serviceName: string;
  readonly namespaceName: string;
  /** The namespace as a reference when this construct creates it, else its name: things in it depend on it. */
  readonly namespaceRef: string;

  constructor(scope: Construct, id: string, props: BrokerDeploymentProps) {
    super(scope, id);
    validate(props);
    const { name } = props;
    const selector = { 'app.kubernetes.io/name': 'ovsb', 'app.kubernetes.io/instance': name };
    const labels = { ...selector, 'app.kubernetes.io/component': 'broker', 'app.kubernetes.io/managed-by': 'terraform' };

    // References order creation and deletion after the namespace.
    const namespace = props.createNamespace
      ? new NamespaceV1(this, 'namespace', { metadata: { name: props.namespace, labels } }).metadata.name
      : props.namespace;
    this.namespaceName = props.namespace;
    this.namespaceRef = namespace;
    this.serviceName = name;
    this.serviceHost = `${name}.${props.namespace}.svc.cluster.local`;

    const serviceAccount = new ServiceAccountV1(this, 'service-account', {
      metadata: { name, namespace, labels },
      // The kubernetes provider inside the pod authenticates with this account's token (in-cluster config).
      automountServiceAccountToken: props.kubernetesTargetAccess,
    });

    if (props.kubernetesTargetAccess) {
      const clusterRoleName = `${props.namespace}-${name}`;
      const role = new ClusterRoleV1(this, 'cluster-role', {
        metadata: { name: clusterRoleName, labels },
        rule: [
          // Instances get namespaces of their own, created on demand, so no namespaced Role can cover them.
          { apiGroups: [''], resources: ['namespaces', 'services', 'secrets', 'persistentvolumeclaims'], verbs: MANAGE },
          { apiGroups: ['apps'], resources: ['statefulsets'], verbs: MANAGE },
          { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: MANAGE },
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        ],
      });
      new ClusterRoleBindingV1(this, 'cluster-role-binding', {
        metadata: { name: clusterRoleName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
        subject: [{ kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace }],
      });
    }

    const secretName =
      props.credentials.kind === 'existing-secret'
        ? props.credentials.secretName
        : new SecretV1(this, 'credentials', {
            metadata: { name: `${name}-credentials`, namespace, labels },
            type: 'Opaque',
            data: { ...props.credentials.values },
          }).metadata.name;

    const catalog =
      props.catalogYaml === undefined
        ? undefined
        : new ConfigMapV1(this, 'catalog', {
            metadata: { name: `${name}-catalog`, namespace, labels },
            data: { 'catalog.yaml': escapeTemplate(props.catalogYaml) },
          });

    const env: DeploymentV1SpecTemplateSpecContainerEnv[] = [
      ...Object.entries({
        OVSB_HOST: '0.0.0.0',
        OVSB_PORT: String(BROKER_PORT),
        OVSB_USERNAME: props.username,
        OVSB_DATA_DIR: BROKER_DATA_DIR,
        OVSB_TF_BACKEND: 'pg',
        OVSB_MAX_CONCURRENT_APPLIES: String(props.maxConcurrentApplies),
        OVSB_LOG_LEVEL: props.logLevel,
        ...(catalog ? { OVSB_CATALOG: `${CATALOG_DIR}/catalog.yaml` } : {}),
        ...(props.providerMirrorClaimName !== undefined ? { OVSB_PROVIDER_MIRROR: PROVIDER_MIRROR_DIR } : {}),
        ...props.extraEnv,
      }).map(([envName, value]) => ({ name: envName, value: escapeTemplate(value) })),
      ...BROKER_SECRET_KEYS.map((key) => ({
        name: key,
        valueFrom: { secretKeyRef: { name: secretName, key } },
      })),
    ];

    const httpProbe = (path: string) => ({ httpGet: { path, port: String(BROKER_PORT) } });
    this.secretName = secretName;
    new DeploymentV1(this, 'deployment', {
      metadata: { name, namespace, labels },
      spec: {
        replicas: String(props.replicas),
        selector: { matchLabels: selector },
        // One new pod before an old one goes: the broker keeps answering through a rollout.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1', maxUnavailable: '0' } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: serviceAccount.metadata.name,
            automountServiceAccountToken: props.kubernetesTargetAccess,
            enableServiceLinks: false,
            // `ovsb serve` interrupts running terraform on SIGTERM and waits (OVSB_TF_INTERRUPT_GRACE_SEC, 30 s).
            terminationGracePeriodSeconds: 60,
            securityContext: POD_SECURITY_CONTEXT,
            affinity: {
              podAntiAffinity: {
                // Preferred, not required: a one-node cluster can still run every replica.
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    podAffinityTerm: {
                      topologyKey: 'kubernetes.io/hostname',
                      labelSelector: [{ matchLabels: selector }],
                    },
                  },
                ],
              },
            },
            container: [
              {
                name: 'broker',
                image: escapeTemplate(props.image),
                // No command or args: the image's CMD runs `ovsb serve` (Dockerfile).
                port: [{ name: 'http', containerPort: BROKER_PORT, protocol: 'TCP' }],
                env,
                resources: {
                  requests: { cpu: props.resources.cpuRequest, memory: props.resources.memoryRequest },
                  limits: { cpu: props.resources.cpuLimit, memory: props.resources.memoryLimit },
                },
                livenessProbe: {
                  ...httpProbe('/live'),
                  initialDelaySeconds: 5,
                  periodSeconds: 10,
                  timeoutSeconds: 3,
                  failureThreshold: 3,
                },
                // /ready checks storage and terraform: a replica that cannot reach PostgreSQL takes no traffic.
                readinessProbe: {
                  ...httpProbe('/ready'),
                  initialDelaySeconds: 2,
                  periodSeconds: 5,
                  timeoutSeconds: 3,
                  failureThreshold: 3,
                },
                volumeMount: [
                  { name: 'data', mountPath: BROKER_DATA_DIR },
                  { name: 'tmp', mountPath: '/tmp' },
                  ...(catalog ? [{ name: 'catalog', mountPath: CATALOG_DIR, readOnly: true }] : []),
                  ...(props.providerMirrorClaimName !== undefined
                    ? [{ name: 'provider-mirror', mountPath: PROVIDER_MIRROR_DIR, readOnly: true }]
                    : []),
                ],
                securityContext: CONTAINER_SECURITY_CONTEXT,
              },
            ],
            volume: [
              { name: 'data', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
              ...(catalog ? [{ name: 'catalog', configMap: { name: catalog.metadata.name } }] : []),
              ...(props.providerMirrorClaimName !== undefined
                ? [
                    {
                      name: 'provider-mirror',
                      persistentVolumeClaim: { claimName: props.providerMirrorClaimName, readOnly: true },
                    },
                  ]
                : []),
            ],
          },
        },
      },
      // Terraform waits until the new pods are ready: a broken image fails `cdktf deploy`, not later.
      waitForRollout: true,
    });

    new ServiceV1(this, 'service', {
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        port: [{ name: 'http', port: BROKER_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    });

    if (props.replicas > 1) {
      new PodDisruptionBudgetV1(this, 'disruption-budget', {
        metadata: { name, namespace, labels },
        spec: { minAvailable: '1', selector: { matchLabels: selector } },
      });
    }
  }
}

/** Plain strings are escaped (every .tf.json string is a template); Terraform references pass as they are. */
export function escapeTemplate(value: string): string {
  return Token.isUnresolved(value) ? value : terraformLiteral(value);
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function validate(props: BrokerDeploymentProps): void {
  for (const [field, value] of [
    ['name', props.name],
    ['namespace', props.namespace],
  ] as const) {
    if (!DNS_LABEL.test(value)) {
      throw new ConfigError('broker stack', field, `"${value}" is not a DNS label ([a-z0-9-], at most 63, alphanumeric at both ends)`);
    }
  }
  if (!Number.isInteger(props.replicas) || props.replicas < 1) {
    throw new ConfigError('broker stack', 'replicas', `${props.replicas} is not a positive integer; use 2 or more for availability`);
  }
  if (!Number.isInteger(props.maxConcurrentApplies) || props.maxConcurrentApplies < 1 || props.maxConcurrentApplies > 64) {
    throw new ConfigError('broker stack', 'maxConcurrentApplies', `${props.maxConcurrentApplies} is not an integer from 1 to 64`);
  }
  if (props.username.includes(':') || props.username === '') {
    throw new ConfigError('broker stack', 'username', `"${props.username}" cannot be an HTTP Basic user name; use a non-empty name without ":"`);
  }
  for (const key of Object.keys(props.extraEnv)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || (BROKER_SECRET_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(
        'broker stack',
        `extraEnv.${key}`,
        (BROKER_SECRET_KEYS as readonly string[]).includes(key)
          ? `${key} is a secret; it comes from the credentials Secret, never from plain environment`
          : `"${key}" is not an environment variable name`,
      );
    }
  }
}
