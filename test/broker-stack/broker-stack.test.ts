import { App } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { BROKER_STACK_NAME, BrokerStack, type BrokerStackProps } from '../../stacks/broker/broker-stack';
import { ConfigError } from '../../src/errors';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- synthesised JSON is untyped

function synth(props: BrokerStackProps = {}): Json {
  const app = new App({ skipValidation: true });
  return new BrokerStack(app, BROKER_STACK_NAME, props).toTerraform() as Json;
}

/** The single resource of a type (the stack declares at most one of each). */
function only(json: Json, type: string): Json {
  const resources = Object.values(json['resource']?.[type] ?? {}) as Json[];
  expect(resources, `one ${type}`).toHaveLength(1);
  return resources[0]!;
}

const deploymentOf = (json: Json) => only(json, 'kubernetes_deployment_v1');
const containerOf = (json: Json) => deploymentOf(json)['spec']['template']['spec']['container'][0] as Json;
const envOf = (json: Json) => Object.fromEntries((containerOf(json)['env'] as Json[]).map((e) => [e['name'], e])) as Record<string, Json>;

describe('broker stack', () => {
  describe('GIVEN the defaults', () => {
    const json = synth();

    it('THEN it runs two replicas with a surge-only rolling update and preferred anti-affinity', () => {
      const spec = deploymentOf(json)['spec'];
      expect(spec['replicas']).toBe('2');
      expect(spec['strategy']).toEqual({ type: 'RollingUpdate', rolling_update: { max_surge: '1', max_unavailable: '0' } });
      const anti = spec['template']['spec']['affinity']['pod_anti_affinity'];
      expect(anti['preferred_during_scheduling_ignored_during_execution'][0]['pod_affinity_term']['topology_key']).toBe('kubernetes.io/hostname');
      expect(anti['required_during_scheduling_ignored_during_execution']).toBeUndefined();
    });

    it('THEN probes call /live and /ready on the broker port', () => {
      const container = containerOf(json);
      expect(container['liveness_probe']['http_get']).toEqual({ path: '/live', port: '8080' });
      expect(container['readiness_probe']['http_get']).toEqual({ path: '/ready', port: '8080' });
    });

    it('THEN the environment serves all interfaces with the pg backend and takes secrets from the Secret', () => {
      const env = envOf(json);
      expect(env['OVSB_HOST']?.['value']).toBe('0.0.0.0');
      expect(env['OVSB_TF_BACKEND']?.['value']).toBe('pg');
      expect(env['OVSB_PORT']?.['value']).toBe('8080');
      const [secretAddress] = Object.keys(json['resource']['kubernetes_secret_v1']);
      const secretName = `\${kubernetes_secret_v1.${secretAddress}.metadata[0].name}`;
      expect(only(json, 'kubernetes_secret_v1')['metadata']['name']).toBe('ovsb-broker-credentials');
      for (const key of ['OVSB_PASSWORD', 'OVSB_INTROSPECT_PASSWORD', 'OVSB_ENCRYPTION_KEY', 'OVSB_DATABASE_URL']) {
        expect(env[key]?.['value'], key).toBeUndefined();
        expect(env[key]?.['value_from']['secret_key_ref']).toEqual({ name: secretName, key });
      }
    });

    it('THEN every secret is a sensitive Terraform variable and no secret value is in the JSON', () => {
      for (const variable of ['broker_password', 'introspect_password', 'encryption_key', 'database_url']) {
        expect(json['variable'][variable]).toMatchObject({ type: 'string', sensitive: true });
        expect(json['variable'][variable]['default']).toBeUndefined();
      }
      expect(only(json, 'kubernetes_secret_v1')['data']).toEqual({
        OVSB_PASSWORD: '${var.broker_password}',
        OVSB_INTROSPECT_PASSWORD: '${var.introspect_password}',
        OVSB_ENCRYPTION_KEY: '${var.encryption_key}',
        OVSB_DATABASE_URL: '${var.database_url}',
      });
      // A connection string would carry credentials (`user:password@`); only the description mentions the scheme.
      expect(JSON.stringify(json)).not.toMatch(/postgres(ql)?:\/\/[^"\s]*@/);
    });

    it('THEN the image is a required variable whose own CMD (`ovsb serve`) runs', () => {
      expect(json['variable']['image']).toMatchObject({ type: 'string' });
      expect(json['variable']['image']['default']).toBeUndefined();
      expect(containerOf(json)['image']).toBe('${var.image}');
      expect(containerOf(json)['command']).toBeUndefined();
      expect(containerOf(json)['args']).toBeUndefined();
    });

    it('THEN it runs as a non-root user with a read-only root filesystem and resources set', () => {
      const pod = deploymentOf(json)['spec']['template']['spec'];
      expect(pod['security_context']).toMatchObject({ run_as_non_root: true, run_as_user: '10001' });
      const container = containerOf(json);
      expect(container['security_context']).toMatchObject({ read_only_root_filesystem: true, allow_privilege_escalation: false });
      expect(container['resources']).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    });

    it('THEN a namespace, service account, ClusterIP service, disruption budget and RBAC for the kubernetes target exist', () => {
      expect(only(json, 'kubernetes_namespace_v1')['metadata']['name']).toBe('ovsb');
      expect(deploymentOf(json)['spec']['template']['spec']['service_account_name']).toMatch(
        /^\$\{kubernetes_service_account_v1\.broker_service-account_[0-9A-F]{8}\.metadata\[0\]\.name\}$/,
      );
      expect(only(json, 'kubernetes_service_v1')['spec']).toMatchObject({ type: 'ClusterIP', port: [{ port: 8080, target_port: 'http' }] });
      expect(only(json, 'kubernetes_pod_disruption_budget_v1')['spec']['min_available']).toBe('1');
      const rules = only(json, 'kubernetes_cluster_role_v1')['rule'] as Json[];
      expect(rules.flatMap((r) => r['resources'])).toEqual(
        expect.arrayContaining(['namespaces', 'statefulsets', 'services', 'secrets', 'networkpolicies']),
      );
      only(json, 'kubernetes_cluster_role_binding_v1');
    });

    it('THEN the outputs name the in-cluster URL', () => {
      expect(json['output']['broker_url']['value']).toBe('http://ovsb-broker.ovsb.svc.cluster.local:8080');
      expect(json['output']['namespace']['value']).toBe('ovsb');
    });

    it('THEN the JSON matches the snapshot', () => {
      expect(json).toMatchSnapshot();
    });
  });

  it('GIVEN an image, an existing Secret and no target access THEN no secret variables, Secret or RBAC are declared', () => {
    const json = synth({ image: 'registry.example.com/ovsb:0.1.0', existingCredentialsSecret: 'ovsb-creds', kubernetesTargetAccess: false });
    expect(json['variable']).toBeUndefined();
    expect(json['resource']['kubernetes_secret_v1']).toBeUndefined();
    expect(json['resource']['kubernetes_cluster_role_v1']).toBeUndefined();
    expect(containerOf(json)['image']).toBe('registry.example.com/ovsb:0.1.0');
    // The Secret managed elsewhere supplies every key, the introspection password too (an emptyDir data
    // dir would give each replica its own generated one).
    for (const key of ['OVSB_PASSWORD', 'OVSB_INTROSPECT_PASSWORD', 'OVSB_ENCRYPTION_KEY', 'OVSB_DATABASE_URL']) {
      expect(envOf(json)[key]?.['value_from']['secret_key_ref'], key).toEqual({ name: 'ovsb-creds', key });
    }
    expect(deploymentOf(json)['spec']['template']['spec']['automount_service_account_token']).toBe(false);
  });

  it('GIVEN a catalog and a provider mirror THEN they are mounted and named by OVSB_CATALOG / OVSB_PROVIDER_MIRROR', () => {
    const catalogYaml = 'broker:\n  name: ovsb # ${not-a-template}\n';
    const json = synth({ catalogYaml, providerMirrorClaimName: 'tf-mirror' });
    expect(only(json, 'kubernetes_config_map_v1')['data']['catalog.yaml']).toBe('broker:\n  name: ovsb # $${not-a-template}\n');
    const env = envOf(json);
    expect(env['OVSB_CATALOG']?.['value']).toBe('/etc/ovsb/catalog.yaml');
    expect(env['OVSB_PROVIDER_MIRROR']?.['value']).toBe('/opt/terraform-providers');
    const volumes = deploymentOf(json)['spec']['template']['spec']['volume'] as Json[];
    expect(volumes.find((v) => v['name'] === 'provider-mirror')?.['persistent_volume_claim']).toEqual({ claim_name: 'tf-mirror', read_only: true });
  });

  describe('GIVEN gateway: {} (the RPC gateway next to the broker)', () => {
    const json = synth({ gateway: {} });
    const deployments = Object.values(json['resource']['kubernetes_deployment_v1']) as Json[];
    const gateway = deployments.find((d) => d['metadata']['name'] === 'ovsb-broker-gateway')!;
    const envByName = (deployment: Json) => Object.fromEntries((deployment['spec']['template']['spec']['container'][0]['env'] as Json[]).map((e) => [e['name'], e])) as Record<string, Json>;
    const brokerEnv = (stack: Json) => envByName((Object.values(stack['resource']['kubernetes_deployment_v1']) as Json[]).find((d) => d['metadata']['name'] === 'ovsb-broker')!);
    const gatewayEnv = envByName(gateway);

    it('THEN the broker image runs `ovsb gateway`, talks to the broker Service, and takes the introspection password from the broker Secret', () => {
      const container = gateway['spec']['template']['spec']['container'][0] as Json;
      expect(container['image']).toBe('${var.image}');
      expect(container['command']).toEqual(['node', 'dist/src/cli/main.js', 'gateway']);
      expect(gatewayEnv['OVSB_BROKER_URL']?.['value']).toBe('http://ovsb-broker.ovsb.svc.cluster.local:8080');
      expect(gatewayEnv['OVSB_GATEWAY_HOST']?.['value']).toBe('0.0.0.0');
      expect(gatewayEnv['OVSB_INTROSPECT_USERNAME']?.['value']).toBe('introspect');
      expect(gatewayEnv['OVSB_INTROSPECT_PASSWORD']?.['value_from']['secret_key_ref']['key']).toBe('OVSB_INTROSPECT_PASSWORD');
      // The gateway holds no broker credentials: it can introspect, never provision.
      expect(gatewayEnv['OVSB_PASSWORD']).toBeUndefined();
      expect(container['readiness_probe']['http_get']).toEqual({ path: '/ready', port: '8081' });
      expect(container['security_context']).toMatchObject({ read_only_root_filesystem: true });
    });

    it('THEN the broker points binding credentials at the gateway Service, and gateway_url is an output', () => {
      expect(brokerEnv(json)['OVSB_GATEWAY_URL']?.['value']).toBe('http://ovsb-broker-gateway.ovsb.svc.cluster.local:8081');
      expect(json['output']['gateway_url']['value']).toBe('http://ovsb-broker-gateway.ovsb.svc.cluster.local:8081');
      const services = Object.values(json['resource']['kubernetes_service_v1']) as Json[];
      expect(services.find((svc) => svc['metadata']['name'] === 'ovsb-broker-gateway')?.['spec']['port']).toEqual([
        { name: 'http', port: 8081, target_port: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 8082, target_port: 'metrics', protocol: 'TCP' },
      ]);
    });

    it('THEN a public URL becomes the broker\'s OVSB_GATEWAY_URL', () => {
      const withUrl = synth({ gateway: { publicUrl: 'https://rpc.example.org', replicas: 1 } });
      expect(brokerEnv(withUrl)['OVSB_GATEWAY_URL']?.['value']).toBe('https://rpc.example.org');
      expect(Object.keys(withUrl['resource']['kubernetes_pod_disruption_budget_v1'])).toHaveLength(1);
    });
  });

  it('GIVEN one replica THEN no disruption budget (it would block every drain)', () => {
    expect(synth({ replicas: 1 })['resource']['kubernetes_pod_disruption_budget_v1']).toBeUndefined();
  });

  it.each([
    [{ replicas: 0 }, 'replicas'],
    [{ namespace: 'Not_A_Label' }, 'namespace'],
    [{ username: 'a:b' }, 'username'],
    [{ extraEnv: { OVSB_PASSWORD: 'x' } }, 'extraEnv.OVSB_PASSWORD'],
    [{ extraEnv: { OVSB_INTROSPECT_PASSWORD: 'x' } }, 'extraEnv.OVSB_INTROSPECT_PASSWORD'],
  ] as const)('GIVEN invalid props %j THEN a ConfigError names %s', (props, path) => {
    expect(() => synth(props as BrokerStackProps)).toThrow(ConfigError);
    try {
      synth(props as BrokerStackProps);
    } catch (error) {
      expect((error as ConfigError).path).toBe(path);
    }
  });
});
