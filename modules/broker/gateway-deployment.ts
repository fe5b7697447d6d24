/**
 * The RPC gateway (`ovsb gateway`) next to the broker on Kubernetes: the broker's image running the gateway
 * command, talking to the broker's Service with the introspection credentials from the broker's Secret.
 * Stateless, so any number of replicas; each keeps its own token cache (the revocation bound holds per replica).
 *
 * Construct ids (a contract: they become Terraform addresses):
 * - `deployment`          deployment_v1
 * - `service`             service_v1 (ports `http` 8081 and `metrics` 8082)
 * - `disruption-budget`   pod_disruption_budget_v1 (when replicas > 1)
 */
import { Construct } from 'constructs';
import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import type { ResourceSpec } from '../clients/types';
import { ConfigError } from '../errors';
import { CONTAINER_SECURITY_CONTEXT, escapeTemplate, POD_SECURITY_CONTEXT } from './broker-deployment';

export const GATEWAY_PORT = 8081;
export const GATEWAY_METRICS_PORT = 8082;

export const DEFAULT_GATEWAY_RESOURCES: ResourceSpec = { cpuRequest: '250m', cpuLimit: '2', memoryRequest: '256Mi', memoryLimit: '1Gi' };

export interface GatewayDeploymentProps {
  /** Same image as the broker. */
  readonly image: string;
  /** Names the Deployment and Service. */
  readonly name: string;
  /** The broker's namespace: a reference to it when the stack creates it (orders creation after it). */
  readonly namespace: string;
  /** The namespace's plain name, for the Service's DNS name. */
  readonly namespaceName: string;
  readonly replicas: number;
  /** In-cluster URL of the broker's Service. */
  readonly brokerUrl: string;
  /** The Secret with OVSB_INTROSPECT_PASSWORD (the broker's credentials Secret). */
  readonly secretName: string;
  /** The broker's introspection user. */
  readonly introspectUsername: string;
  readonly logLevel: string;
  readonly resources: ResourceSpec;
  /** Extra non-secret environment (OVSB_GATEWAY_* tuning). */
  readonly extraEnv: Readonly<Record<string, string>>;
}

export class GatewayDeployment extends Construct {
  /** The Service's cluster DNS name. */
  readonly serviceHost: string;

  constructor(scope: Construct, id: string, props: GatewayDeploymentProps) {
    super(scope, id);
    if (!Number.isInteger(props.replicas) || props.replicas < 1) {
      throw new ConfigError('broker stack', 'gateway.replicas', `${props.replicas} is not a positive integer; use 2 or more for availability`);
    }
    for (const key of Object.keys(props.extraEnv)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || key === 'OVSB_INTROSPECT_PASSWORD') {
        throw new ConfigError('broker stack', `gateway.extraEnv.${key}`, key === 'OVSB_INTROSPECT_PASSWORD' ? 'comes from the credentials Secret' : `"${key}" is not an environment variable name`);
      }
    }
    const { name, namespace } = props;
    const selector = { 'app.kubernetes.io/name': 'ovsb', 'app.kubernetes.io/instance': name };
    const labels = { ...selector, 'app.kubernetes.io/component': 'gateway', 'app.kubernetes.io/managed-by': 'terraform' };
    this.serviceHost = `${name}.${props.namespaceName}.svc.cluster.local`;

    const env = [
      ...Object.entries({
        OVSB_GATEWAY_HOST: '0.0.0.0',
        OVSB_GATEWAY_PORT: String(GATEWAY_PORT),
        OVSB_GATEWAY_METRICS_PORT: String(GATEWAY_METRICS_PORT),
        OVSB_BROKER_URL: props.brokerUrl,
        OVSB_INTROSPECT_USERNAME: props.introspectUsername,
        OVSB_LOG_LEVEL: props.logLevel,
        ...props.extraEnv,
      }).map(([envName, value]) => ({ name: envName, value: escapeTemplate(value) })),
      { name: 'OVSB_INTROSPECT_PASSWORD', valueFrom: { secretKeyRef: { name: props.secretName, key: 'OVSB_INTROSPECT_PASSWORD' } } },
    ];
    const probe = (path: string, periodSeconds: number) => ({ httpGet: { path, port: String(GATEWAY_PORT) }, periodSeconds, timeoutSeconds: 3, failureThreshold: 3 });

    new DeploymentV1(this, 'deployment', {
      metadata: { name, namespace, labels },
      spec: {
        replicas: String(props.replicas),
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1', maxUnavailable: '0' } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            // In-flight requests finish after SIGTERM; upstream answers take at most the upstream timeout (30 s).
            terminationGracePeriodSeconds: 40,
            securityContext: POD_SECURITY_CONTEXT,
            container: [
              {
                name: 'gateway',
                image: escapeTemplate(props.image),
                command: ['node', 'dist/src/cli/main.js', 'gateway'],
                port: [
                  { name: 'http', containerPort: GATEWAY_PORT, protocol: 'TCP' },
                  { name: 'metrics', containerPort: GATEWAY_METRICS_PORT, protocol: 'TCP' },
                ],
                env,
                resources: {
                  requests: { cpu: props.resources.cpuRequest, memory: props.resources.memoryRequest },
                  limits: { cpu: props.resources.cpuLimit, memory: props.resources.memoryLimit },
                },
                livenessProbe: { ...probe('/live', 10), initialDelaySeconds: 5 },
                // Ready once the policy came from the broker.
                readinessProbe: { ...probe('/ready', 5), initialDelaySeconds: 2 },
                securityContext: CONTAINER_SECURITY_CONTEXT,
              },
            ],
          },
        },
      },
      waitForRollout: true,
    });

    new ServiceV1(this, 'service', {
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        port: [
          { name: 'http', port: GATEWAY_PORT, targetPort: 'http', protocol: 'TCP' },
          { name: 'metrics', port: GATEWAY_METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' },
        ],
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
