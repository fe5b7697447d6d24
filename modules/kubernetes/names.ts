/**
 * Names of the Kubernetes objects of one instance. They are a contract: the clients reach each
 * other through these host names (`hostOf`), bindings hand them out, and renaming one replaces
 * the object (and a StatefulSet's claims) in a running cluster.
 *
 * Every object name starts with the instance name so that two instances can share a namespace
 * when the operator sets one explicitly.
 */
import type { Component } from '../clients/types';
import type { KubernetesTargetProps } from '../../stacks/props';

/** The instance's namespace: the operator's choice, else `ovsb-<instanceName>`. */
export function kubernetesNamespace(instanceName: string, props: KubernetesTargetProps = {}): string {
  return props.namespace ?? `ovsb-${instanceName}`;
}

/** StatefulSet and peer Service name of one component: `<instanceName>-<component>`. */
export function kubernetesWorkloadName(instanceName: string, component: Component): string {
  return `${instanceName}-${component}`;
}

/** The readiness-gated Service consumers bind to: `<instanceName>-<component>-rpc`. */
export function kubernetesRpcServiceName(instanceName: string, component: Component): string {
  return `${kubernetesWorkloadName(instanceName, component)}-rpc`;
}

/** The Secret holding the generated Engine API JWT: `<instanceName>-jwt`. */
export function kubernetesJwtSecretName(instanceName: string): string {
  return `${instanceName}-jwt`;
}

/**
 * How components of one instance reach each other: the peer Service's cluster DNS name.
 * Pass this to `buildNodeTopology` so the clients' flags name the Services this target creates.
 */
export function kubernetesHostOf(instanceName: string, namespace: string): (component: Component) => string {
  return (component) => `${kubernetesWorkloadName(instanceName, component)}.${namespace}.svc.cluster.local`;
}

/** The consumer-facing (readiness-gated) DNS name of a component's RPC Service. */
export function kubernetesRpcHost(instanceName: string, namespace: string, component: Component): string {
  return `${kubernetesRpcServiceName(instanceName, component)}.${namespace}.svc.cluster.local`;
}

const LABEL_VALUE_MAX = 63;

/**
 * A Kubernetes label value from free text (a version tag may be longer than a label allows or
 * carry characters labels refuse): invalid characters become `_`, then trimmed to 63 characters
 * that start and end alphanumeric.
 */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, LABEL_VALUE_MAX)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
}
