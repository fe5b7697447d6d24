/**
 * The target constructs on a hand-written topology: what each one must create, independent of the
 * client definitions (the full chain over every combination is in stacks.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesNode } from '../../modules/kubernetes/node';
import { kubernetesHostOf, labelValue } from '../../modules/kubernetes/names';
import { AwsNode } from '../../modules/aws/node';
import { awsHostOf } from '../../modules/aws/host';
import { renderUserData, shellQuote } from '../../modules/aws/cloud-init';
import { cpuCores, memoryBytes } from '../../modules/aws/quantity';
import { instanceTypeFor } from '../../modules/aws/sizing';
import { SandboxNode, sandboxHostOf } from '../../modules/sandbox/node';
import { terraformLiteral } from '../../modules/sandbox/builtins';
import type { ContainerSpec, NodeTopology } from '../../modules/clients/types';
import type { AwsTargetProps, KubernetesTargetProps } from '../../stacks/props';
import { ConfigError } from '../../src/errors';
import { fixtureTopology, resolve, resourcesOf, testStack, type Json } from './fixtures';

function kubernetes(target?: KubernetesTargetProps, topology?: NodeTopology) {
  const stack = testStack();
  const namespace = target?.namespace ?? 'ovsb-demo';
  const node = new KubernetesNode(stack, 'node', {
    instanceName: 'demo',
    topology: topology ?? fixtureTopology(kubernetesHostOf('demo', namespace)),
    ...(target ? { target } : {}),
  });
  return { node, json: stack.toTerraform() as Json };
}

function aws(target?: AwsTargetProps, topology?: Pick<NodeTopology, 'network' | 'containers'>) {
  const stack = testStack();
  const node = new AwsNode(stack, 'node', {
    instanceName: 'demo',
    topology: topology ?? fixtureTopology(awsHostOf, 'aws'),
    ...(target ? { target } : {}),
  });
  return { node, stack, json: stack.toTerraform() as Json };
}

/** The script /etc/ovsb/run/<component>.sh the user data writes. */
const runScriptOf = (script: string, component: string) =>
  new RegExp(`cat > /etc/ovsb/run/${component}\\.sh <<'OVSB_EOF'\\n([^]*?)OVSB_EOF`).exec(script)![1]!;

const statefulSet = (json: Json, component: string) =>
  resourcesOf(json, 'kubernetes_stateful_set_v1').find((set) => set.metadata.name === `demo-${component}`)!;
const podOf = (json: Json, component: string) => statefulSet(json, component).spec.template.spec;

describe('terraformLiteral', () => {
  it.each([
    ['--flag=${X}', '--flag=$${X}'],
    ['%{if x}', '%%{if x}'],
    ['$HOME and $(cmd)', '$HOME and $(cmd)'],
    ['plain', 'plain'],
  ])('escapes %s as %s', (input, expected) => {
    expect(terraformLiteral(input)).toBe(expected);
  });
});

describe('KubernetesNode', () => {
  it('creates the instance namespace and puts every object in it', () => {
    const { json } = kubernetes();
    const [namespace] = resourcesOf(json, 'kubernetes_namespace_v1');
    expect(namespace.metadata.name).toBe('ovsb-demo');
    for (const type of ['kubernetes_stateful_set_v1', 'kubernetes_service_v1', 'kubernetes_secret_v1', 'kubernetes_network_policy_v1']) {
      for (const resource of resourcesOf(json, type)) {
        expect(resource.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\.[^}]+\.metadata\[0\]\.name\}$/);
      }
    }
  });

  it('uses an operator-named namespace without creating it', () => {
    const { json } = kubernetes({ namespace: 'eth-nodes' });
    expect(resourcesOf(json, 'kubernetes_namespace_v1')).toHaveLength(0);
    expect(statefulSet(json, 'execution').metadata.namespace).toBe('eth-nodes');
    expect(podOf(json, 'beacon').container[0].args).toContain(
      '--execution-endpoint=http://demo-execution.eth-nodes.svc.cluster.local:8551',
    );
  });

  it('gives each container a StatefulSet whose claim is sized from its data volume', () => {
    const { json } = kubernetes({ storageClassName: 'io2-retain' });
    const expected: Record<string, string> = { execution: '2000Gi', beacon: '300Gi', validator: '1Gi' };
    for (const [component, size] of Object.entries(expected)) {
      const [claim] = statefulSet(json, component).spec.volume_claim_template;
      expect(claim.spec.resources.requests.storage).toBe(size);
      expect(claim.spec.storage_class_name).toBe('io2-retain');
      expect(claim.spec.access_modes).toEqual(['ReadWriteOnce']);
    }
    expect(statefulSet(json, 'mev-boost').spec.volume_claim_template).toEqual([]);
    expect(JSON.stringify(json)).not.toContain('empty_dir');
  });

  it('omits storage_class_name when none is given', () => {
    const { json } = kubernetes();
    expect(statefulSet(json, 'execution').spec.volume_claim_template[0].spec).not.toHaveProperty('storage_class_name');
  });

  it('generates the JWT in Terraform and mounts the same Secret on the execution client and the beacon node', () => {
    const { node, json } = kubernetes();
    const [jwt] = resourcesOf(json, 'terraform_data');
    expect(jwt.input).toBe('${sensitive(replace(join("", [uuid(), uuid()]), "-", ""))}');
    expect(jwt.lifecycle.ignore_changes).toEqual(['input']);
    const [secret] = resourcesOf(json, 'kubernetes_secret_v1');
    expect(secret.metadata.name).toBe('demo-jwt');
    expect(secret.data['jwt.hex']).toMatch(/^\$\{terraform_data\.[^}]+\.output\}$/);
    expect(node.jwtSecret).toBeDefined();
    for (const component of ['execution', 'beacon']) {
      const pod = podOf(json, component);
      expect(pod.volume).toContainEqual({ name: 'jwt', secret: { secret_name: 'demo-jwt', default_mode: '0440' } });
      expect(pod.container[0].volume_mount).toContainEqual({
        name: 'jwt',
        mount_path: '/secrets/jwt.hex',
        sub_path: 'jwt.hex',
        read_only: true,
      });
    }
  });

  it('refuses an AWS Secrets Manager secret of keys, naming it: a pod can only mount a Kubernetes Secret', () => {
    expect(() => kubernetes(undefined, fixtureTopology(kubernetesHostOf('demo', 'ovsb-demo'), 'aws'))).toThrowError(
      /AWS Secrets Manager secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:ovsb\/keys-AbCdEf cannot be mounted on Kubernetes/,
    );
  });

  it('mounts external secrets read-only by name', () => {
    const { json } = kubernetes();
    const pod = podOf(json, 'validator');
    expect(pod.volume).toContainEqual({ name: 'secret-0', secret: { secret_name: 'validator-keys', default_mode: '0440' } });
    expect(pod.container[0].volume_mount).toContainEqual({ name: 'secret-0', mount_path: '/keys', read_only: true });
  });

  it('labels pods with client, version, component, instance and manager, and selects on stable labels only', () => {
    const { json } = kubernetes();
    const set = statefulSet(json, 'execution');
    expect(set.spec.template.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'geth',
      'app.kubernetes.io/version': 'v1.16.7',
      'app.kubernetes.io/component': 'execution',
      'app.kubernetes.io/instance': 'demo',
      'app.kubernetes.io/managed-by': 'ovsb',
    });
    expect(set.spec.selector.match_labels).toEqual({
      'app.kubernetes.io/component': 'execution',
      'app.kubernetes.io/instance': 'demo',
    });
  });

  it('maps probes, resources, grace period, security context and init containers', () => {
    const { json } = kubernetes();
    const execution = podOf(json, 'execution');
    expect(execution.container[0].liveness_probe).toEqual({
      http_get: { path: '/', port: '8545' },
      initial_delay_seconds: 300,
      period_seconds: 30,
      timeout_seconds: 4,
      failure_threshold: 4,
      success_threshold: 1,
    });
    expect(execution.container[0].readiness_probe.success_threshold).toBe(2);
    expect(execution.container[0].resources).toEqual({
      requests: { cpu: '4', memory: '16Gi' },
      limits: { cpu: '8', memory: '32Gi' },
    });
    expect(execution.termination_grace_period_seconds).toBe(300);
    expect(execution.security_context).toMatchObject({ run_as_user: '1000', fs_group: '1000', run_as_non_root: true });
    expect(podOf(json, 'mev-boost').container[0].liveness_probe.tcp_socket).toEqual([{ port: '18550' }]);
    const beacon = podOf(json, 'beacon');
    expect(beacon.init_container).toHaveLength(1);
    expect(beacon.init_container[0].volume_mount).toContainEqual({ name: 'data', mount_path: '/data' });
    expect(statefulSet(json, 'execution').wait_for_rollout).toBe(false);
  });

  it('refuses a liveness successThreshold other than 1, naming the field', () => {
    const topology = fixtureTopology(kubernetesHostOf('demo', 'ovsb-demo'));
    const [execution, ...rest] = topology.containers;
    const broken: ContainerSpec = { ...execution!, liveness: { ...execution!.liveness!, successThreshold: 2 } };
    expect(() => kubernetes(undefined, { ...topology, containers: [broken, ...rest] })).toThrowError(
      /containers\[execution\]\.liveness\.successThreshold.*must|successThreshold 1/,
    );
  });

  it('exposes P2P on the node (hostPort) and everything else through ClusterIP Services', () => {
    const { json } = kubernetes();
    for (const port of podOf(json, 'execution').container[0].port) {
      if (port.name.startsWith('p2p')) expect(port.host_port).toBe(port.container_port);
      else expect(port).not.toHaveProperty('host_port');
    }
    const services = resourcesOf(json, 'kubernetes_service_v1');
    const peer = services.find((service) => service.metadata.name === 'demo-execution')!;
    expect(peer.spec.type).toBe('ClusterIP');
    expect(peer.spec.publish_not_ready_addresses).toBe(true);
    expect(peer.spec.port.map((port: Json) => port.port).sort()).toEqual([6060, 8545, 8546, 8551]);
    const rpc = services.find((service) => service.metadata.name === 'demo-execution-rpc')!;
    expect(rpc.spec.port.map((port: Json) => port.port).sort()).toEqual([8545, 8546]);
    expect(rpc.spec).not.toHaveProperty('publish_not_ready_addresses');
    expect(services.some((service) => service.spec.type !== 'ClusterIP')).toBe(false);
  });

  it('admits the Engine API from the beacon node only, and internal ports from the instance only', () => {
    const { json } = kubernetes();
    const policies = resourcesOf(json, 'kubernetes_network_policy_v1');
    const execution = policies.find((policy) => policy.metadata.name === 'demo-execution')!;
    const engineRule = execution.spec.ingress.find((rule: Json) => rule.ports.some((port: Json) => port.port === '8551'));
    expect(engineRule.ports).toEqual([{ port: '8551', protocol: 'TCP' }]);
    expect(engineRule.from).toEqual([
      { pod_selector: { match_labels: { 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/component': 'beacon' } } },
    ]);
    const mevBoost = policies.find((policy) => policy.metadata.name === 'demo-mev-boost')!;
    expect(mevBoost.spec.ingress).toEqual([
      {
        from: [{ pod_selector: { match_labels: { 'app.kubernetes.io/instance': 'demo' } } }],
        ports: [{ port: '18550', protocol: 'TCP' }],
      },
    ]);
    expect(policies.find((policy) => policy.metadata.name === 'demo-beacon')).toBeUndefined();
  });

  it('hands consumers the readiness-gated Service for RPC and the peer Service for metrics', () => {
    const { node } = kubernetes();
    expect(node.url({ component: 'execution', port: 8545, scheme: 'http' })).toBe(
      'http://demo-execution-rpc.ovsb-demo.svc.cluster.local:8545',
    );
    expect(node.url({ component: 'beacon', port: 5054, scheme: 'http', path: '/metrics' })).toBe(
      'http://demo-beacon.ovsb-demo.svc.cluster.local:5054/metrics',
    );
    expect(() => node.url({ component: 'execution', port: 1234, scheme: 'http' })).toThrowError(ConfigError);
  });

  it('passes `${` in client flags to the container literally', () => {
    const { json } = kubernetes();
    expect(podOf(json, 'execution').container[0].args).toContain('--identity=node-$${literal}');
  });

  it.each([
    ['v1.16.7', 'v1.16.7'],
    ['v1.2.3+build/7', 'v1.2.3_build_7'],
    ['x'.repeat(70), 'x'.repeat(63)],
    ['-rc1-', 'rc1'],
  ])('turns version %s into label value %s', (input, expected) => {
    expect(labelValue(input)).toBe(expected);
  });
});

describe('AwsNode', () => {
  const ingress = (json: Json) => resourcesOf(json, 'aws_vpc_security_group_ingress_rule');

  it('opens P2P ports (TCP and UDP) to the world on IPv4 and IPv6', () => {
    const { json } = aws();
    const p2p = ingress(json).filter((rule) => [30303, 9000, 9001].includes(rule.from_port));
    const key = (rule: Json) => `${rule.from_port}/${rule.ip_protocol}/${rule.cidr_ipv4 ?? rule.cidr_ipv6}`;
    expect(p2p.map(key).sort()).toEqual(
      [
        '30303/tcp/0.0.0.0/0',
        '30303/tcp/::/0',
        '30303/udp/0.0.0.0/0',
        '30303/udp/::/0',
        '9000/tcp/0.0.0.0/0',
        '9000/tcp/::/0',
        '9000/udp/0.0.0.0/0',
        '9000/udp/::/0',
        '9001/udp/0.0.0.0/0',
        '9001/udp/::/0',
      ].sort(),
    );
  });

  it('never opens the Engine API or internal ports, and RPC/metrics only to the allowed CIDRs', () => {
    const { json } = aws({ rpcAllowedCidrs: ['10.0.0.0/8', 'fd00::/8'] });
    const rules = ingress(json);
    expect(rules.some((rule) => rule.from_port === 8551 || rule.from_port === 18550)).toBe(false);
    const rpc = rules.filter((rule) => [8545, 8546, 6060, 5052, 5054, 5064].includes(rule.from_port));
    expect(rpc).toHaveLength(12);
    for (const rule of rpc) expect([rule.cidr_ipv4, rule.cidr_ipv6]).toContain(rule.cidr_ipv4 ? '10.0.0.0/8' : 'fd00::/8');
  });

  it('GIVEN no rpcAllowedCidrs THEN RPC and metrics are open to the subnet\'s VPC CIDR only, the Engine API to nobody', () => {
    const { json } = aws();
    const [vpc] = Object.entries(json.data.aws_vpc) as [string, Json][];
    expect(vpc![1].id).toMatch(/^\$\{data\.aws_subnet\.[^.]+\.vpc_id\}$/);
    const rules = ingress(json);
    const rpc = rules.filter((rule) => ![30303, 9000, 9001].includes(rule.from_port));
    expect(rpc.map((rule) => rule.from_port).sort()).toEqual([5052, 5054, 5064, 6060, 8545, 8546]);
    for (const rule of rpc) {
      expect(rule.cidr_ipv4).toBe(`\${data.aws_vpc.${vpc![0]}.cidr_block}`);
      expect(rule).not.toHaveProperty('cidr_ipv6');
    }
    expect(rules.some((rule) => rule.from_port === 8551 || rule.from_port === 18550)).toBe(false);
    expect(rules.filter((rule) => rule.cidr_ipv4 === '0.0.0.0/0').every((rule) => [30303, 9000, 9001].includes(rule.from_port))).toBe(true);
  });

  it('GIVEN rpcAllowedCidrs [] THEN nothing but P2P is open, and no VPC is looked up', () => {
    const { json } = aws({ rpcAllowedCidrs: [] });
    expect(ingress(json).every((rule) => [30303, 9000, 9001].includes(rule.from_port))).toBe(true);
    expect(json.data.aws_vpc).toBeUndefined();
  });

  it('puts all chain data on one encrypted gp3 volume with provisioned IOPS and throughput', () => {
    const { json } = aws({ volumeIops: 12000, volumeThroughputMiBps: 750 });
    const [volume] = resourcesOf(json, 'aws_ebs_volume');
    expect(volume).toMatchObject({ size: 2301, type: 'gp3', iops: 12000, throughput: 750, encrypted: true });
    expect(volume.availability_zone).toMatch(/data\.aws_subnet\.[^.]+\.availability_zone/);
    const [attachment] = resourcesOf(json, 'aws_volume_attachment');
    expect(attachment.stop_instance_before_detaching).toBe(true);
    expect(attachment.volume_id).toMatch(/aws_ebs_volume\./);
  });

  it('gives io2 no throughput, and refuses more data than a gp3 volume holds', () => {
    const [volume] = resourcesOf(aws({ volumeType: 'io2' }).json, 'aws_ebs_volume');
    expect(volume).not.toHaveProperty('throughput');
    const topology = fixtureTopology(awsHostOf, 'aws');
    const [execution, ...rest] = topology.containers;
    const huge = { ...execution!, dataVolume: { ...execution!.dataVolume!, sizeGi: 20_000 } };
    expect(() => aws(undefined, { ...topology, containers: [huge, ...rest] })).toThrowError(/gp3 volume holds/);
  });

  it('looks up Ubuntu 24.04 unless an AMI is given, and does not chase new images', () => {
    const looked = aws().json;
    expect(Object.values(looked.data.aws_ami)).toHaveLength(1);
    const [image] = Object.values(looked.data.aws_ami) as Json[];
    expect(image.owners).toEqual(['099720109477']);
    expect(image.filter[0].values[0]).toContain('ubuntu-noble-24.04-amd64-server');
    expect(resourcesOf(looked, 'aws_instance')[0].lifecycle.ignore_changes).toEqual(['ami']);

    const pinned = aws({ amiId: 'ami-0123456789abcdef0', instanceType: 'c7i.4xlarge' }).json;
    expect(pinned.data.aws_ami).toBeUndefined();
    const [instance] = resourcesOf(pinned, 'aws_instance');
    expect(instance.ami).toBe('ami-0123456789abcdef0');
    expect(instance.instance_type).toBe('c7i.4xlarge');
    expect(instance).not.toHaveProperty('lifecycle');
  });

  it('replaces the instance when its gzipped user data changes and requires IMDSv2', () => {
    const [instance] = resourcesOf(aws().json, 'aws_instance');
    expect(instance.user_data_base64).toMatch(/^\$\{base64gzip\(local\.[^)]+\)\}$/);
    expect(instance.user_data_replace_on_change).toBe(true);
    expect(instance.metadata_options.http_tokens).toBe('required');
    // 32 + 16 + 2 GiB + 256 MiB of limits and the 2 GiB reserve do not fit m6i.2xlarge's 32 GiB.
    expect(instance.instance_type).toBe('m6i.4xlarge');
  });

  it('puts the host on its own ENI, so its private address (what bindings name) survives instance replacement', () => {
    const { node, stack, json } = aws();
    const [eniName, eni] = Object.entries(json.resource.aws_network_interface)[0] as [string, Json];
    expect(eni.subnet_id).toMatch(/data\.aws_subnet\./);
    expect(eni.security_groups).toEqual([expect.stringMatching(/^\$\{aws_security_group\.[^.]+\.id\}$/)]);
    const [instance] = resourcesOf(json, 'aws_instance');
    expect(instance.primary_network_interface).toEqual({ network_interface_id: `\${aws_network_interface.${eniName}.id}` });
    expect(instance).not.toHaveProperty('subnet_id');
    expect(instance).not.toHaveProperty('associate_public_ip_address');
    expect(resolve(stack, node.url({ component: 'execution', port: 8545, scheme: 'http' }))).toBe(
      `http://\${aws_network_interface.${eniName}.private_ip}:8545`,
    );
    expect(() => node.url({ component: 'execution', port: 8551, scheme: 'http' })).toThrowError(/not published/);
    const [eip] = resourcesOf(json, 'aws_eip');
    expect(eip).toMatchObject({ domain: 'vpc', network_interface: `\${aws_network_interface.${eniName}.id}` });
    expect(resourcesOf(aws({ publicIp: false }).json, 'aws_eip')).toEqual([]);
  });

  it('gives the host an instance role with SSM Session Manager access and no SSH key', () => {
    const { json } = aws();
    const [roleName, role] = Object.entries(json.resource.aws_iam_role)[0] as [string, Json];
    expect(role.name).toBe('ovsb-demo');
    const assume = (Object.values(json.data.aws_iam_policy_document) as Json[]).find((doc) => doc.statement[0].actions[0] === 'sts:AssumeRole')!;
    expect(assume.statement[0].principals).toEqual([{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }]);
    const [attachment] = resourcesOf(json, 'aws_iam_role_policy_attachment');
    expect(attachment.role).toBe(`\${aws_iam_role.${roleName}.name}`);
    expect(attachment.policy_arn).toMatch(/^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:iam::aws:policy\/AmazonSSMManagedInstanceCore$/);
    const [profileName, profile] = Object.entries(json.resource.aws_iam_instance_profile)[0] as [string, Json];
    expect(profile.role).toBe(`\${aws_iam_role.${roleName}.name}`);
    const [instance] = resourcesOf(json, 'aws_instance');
    expect(instance.iam_instance_profile).toBe(`\${aws_iam_instance_profile.${profileName}.name}`);
    expect(instance).not.toHaveProperty('key_name');
  });

  it('GIVEN validator keys in a Secrets Manager secret (ARN) THEN the role may read that secret only', () => {
    const { json } = aws();
    const [policy] = resourcesOf(json, 'aws_iam_role_policy');
    const documentName = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(policy.policy)![1]!;
    const document = json.data.aws_iam_policy_document[documentName];
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ovsb/keys-AbCdEf';
    expect(document.statement).toEqual([{ effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: [arn, `${arn}-??????`] }]);
  });

  it.each([
    'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:prod/keys',
    'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:prod/keys-AbCdEf',
  ])('GIVEN the secret ARN %s (China, GovCloud) THEN the role may read that ARN, not one built from a name', (arn) => {
    const topology = fixtureTopology(awsHostOf, 'aws');
    const containers = topology.containers.map((c) =>
      c.component === 'validator' ? { ...c, secretMounts: [{ source: { kind: 'aws-secret' as const, secretId: arn }, mountPath: '/keys' }] } : c,
    );
    const { json } = aws(undefined, { ...topology, containers });
    const documents = Object.values(json.data.aws_iam_policy_document) as Json[];
    const access = documents.find((doc) => doc.statement[0].actions[0] === 'secretsmanager:GetSecretValue')!;
    expect(access.statement[0].resources).toEqual([arn, `${arn}-??????`]);
  });

  it('GIVEN a secret by name THEN its ARN is built from the partition, region and account, with the random suffix', () => {
    const topology = fixtureTopology(awsHostOf, 'aws');
    const containers = topology.containers.map((c) =>
      c.component === 'validator' ? { ...c, secretMounts: [{ source: { kind: 'aws-secret' as const, secretId: 'prod/keys' }, mountPath: '/keys' }] } : c,
    );
    const { json } = aws(undefined, { ...topology, containers });
    const documents = Object.values(json.data.aws_iam_policy_document) as Json[];
    const access = documents.find((doc) => doc.statement[0].actions[0] === 'secretsmanager:GetSecretValue')!;
    expect(access.statement[0].resources).toEqual([
      expect.stringMatching(
        /^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:secretsmanager:\$\{data\.aws_region\.[^.]+\.region\}:\$\{data\.aws_caller_identity\.[^.]+\.account_id\}:secret:prod\/keys-\?\?\?\?\?\?$/,
      ),
    ]);
  });

  it('GIVEN no key secret THEN the role has no secret access', () => {
    const topology = fixtureTopology(awsHostOf, 'aws');
    const { json } = aws(undefined, { ...topology, containers: topology.containers.filter((c) => c.component !== 'validator') });
    expect(resourcesOf(json, 'aws_iam_role_policy')).toEqual([]);
    expect(resourcesOf(json, 'aws_iam_role_policy_attachment')).toHaveLength(1);
  });

  it('refuses a Kubernetes Secret of keys on an EC2 host, naming it', () => {
    expect(() => aws(undefined, fixtureTopology(awsHostOf, 'kubernetes'))).toThrowError(
      /Kubernetes Secret "validator-keys" cannot be mounted on an EC2 host/,
    );
  });

  it('refuses two containers publishing the same port', () => {
    const topology = fixtureTopology(awsHostOf, 'aws');
    const [execution, beacon, ...rest] = topology.containers;
    const clash = { ...beacon!, ports: [...beacon!.ports, { name: 'clash', port: 8545, protocol: 'TCP' as const, exposure: 'rpc' as const }] };
    expect(() => aws(undefined, { ...topology, containers: [execution!, clash, ...rest] })).toThrowError(
      /8545\/TCP is also published by execution/,
    );
  });

  describe('user data', () => {
    const script = renderUserData({
      instanceName: 'demo',
      network: 'mainnet',
      containers: fixtureTopology(awsHostOf, 'aws').containers,
      dataVolumeSerial: 'vol0123456789abcdef0',
    });

    it('is the same for the same topology', () => {
      expect(
        renderUserData({
          instanceName: 'demo',
          network: 'mainnet',
          containers: fixtureTopology(awsHostOf, 'aws').containers,
          dataVolumeSerial: 'vol0123456789abcdef0',
        }),
      ).toBe(script);
    });

    it('formats the data volume only when it carries no filesystem', () => {
      expect(script).toContain('DATA_DEVICE=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0');
      const guard = script.indexOf('if [ -z "$(blkid -o value -s TYPE "$DATA_DEVICE" || true)" ]; then');
      const mkfs = script.indexOf('mkfs.ext4');
      expect(guard).toBeGreaterThan(0);
      expect(mkfs).toBeGreaterThan(guard);
      expect(script.match(/mkfs/g)).toHaveLength(1);
    });

    it('generates the JWT on the host only when absent', () => {
      expect(script).toContain('if [ ! -s /var/lib/ovsb/secrets/jwt.hex ]; then');
      expect(script).toContain('openssl rand -hex 32');
    });

    it('runs every container on the docker network with restart unless-stopped', () => {
      for (const name of ['execution', 'beacon', 'validator', 'mev-boost']) {
        expect(script).toContain(`--name ${name} \\\n  --hostname ${name} \\\n  --network ovsb \\\n  --restart unless-stopped`);
      }
    });

    it('publishes P2P, RPC and metrics but never the Engine API or internal ports', () => {
      expect(script).toContain('--publish 30303:30303/udp');
      expect(script).toContain('--publish 8545:8545/tcp');
      expect(script).not.toContain('8551:8551');
      expect(script).not.toContain('18550:18550');
    });

    it('mounts the JWT read-only in both the execution client and the beacon node', () => {
      expect(script.match(/--volume \/var\/lib\/ovsb\/secrets\/jwt\.hex:\/secrets\/jwt\.hex:ro/g)?.length).toBe(3);
    });

    it('installs a liveness timer for each probed container and a readiness timer where it has a readiness probe', () => {
      expect(script).toContain(
        'systemctl enable --now ovsb-probe-execution.timer ovsb-ready-execution.timer ovsb-probe-beacon.timer ovsb-probe-mev-boost.timer',
      );
      expect(script).not.toContain('ovsb-probe-validator');
      expect(script).toContain('PROBE_PATH=/eth/v1/node/health');
      expect(script).toContain('OnUnitActiveSec=30');
      expect(script).toContain('ExecStart=/usr/local/sbin/ovsb-probe execution readiness');
      // Without app_start_timeout_sec the readiness prober records readiness and never reports a failed start.
      expect(script).toMatch(/cat > \/etc\/ovsb\/probes\/execution\.readiness\.env <<'OVSB_EOF'\n[^]*?PROBE_START_TIMEOUT_SECONDS=\n/);
    });

    it('GIVEN app_start_timeout_sec THEN the readiness prober gets it as its start deadline', () => {
      const bounded = renderUserData({
        instanceName: 'demo',
        network: 'mainnet',
        containers: fixtureTopology(awsHostOf, 'aws').containers,
        readinessStartTimeoutSeconds: 600,
      });
      expect(bounded).toMatch(/execution\.readiness\.env <<'OVSB_EOF'\n[^]*?PROBE_START_TIMEOUT_SECONDS=600\n/);
    });

    it('runs each container from a systemd unit that retries, waits for the data mount and starts without blocking', () => {
      const unit = (name: string) => new RegExp(`cat > /etc/systemd/system/ovsb-${name}\\.service <<'OVSB_EOF'\\n([^]*?)OVSB_EOF`).exec(script)![1]!;
      for (const name of ['execution', 'beacon', 'validator', 'mev-boost']) {
        const text = unit(name);
        expect(text).toContain('RequiresMountsFor=/var/lib/ovsb');
        expect(text).toContain('Restart=on-failure');
        expect(text).toContain('RestartSec=30');
        expect(text).toContain('StartLimitIntervalSec=0');
        expect(text).toContain(`ExecStart=/etc/ovsb/run/${name}.sh`);
      }
      // MEV-Boost starts first, the validator client after the beacon node and MEV-Boost.
      expect(unit('mev-boost')).toMatch(/^After=network-online\.target docker\.service$/m);
      expect(unit('validator')).toMatch(/^After=.* ovsb-mev-boost\.service ovsb-execution\.service ovsb-beacon\.service$/m);
      expect(script).toContain('systemctl start --no-block ovsb-mev-boost.service ovsb-execution.service ovsb-beacon.service ovsb-validator.service');
      // Nothing in the user data itself waits on an image pull, a key import or an init container.
      expect(script).not.toMatch(/^until /m);
    });

    it('makes docker itself wait for the data volume', () => {
      const dropIn = /cat > \/etc\/systemd\/system\/docker\.service\.d\/ovsb\.conf <<'OVSB_EOF'\n([^]*?)OVSB_EOF/.exec(script)![1]!;
      expect(dropIn).toMatch(/^\[Unit\]\n[^]*RequiresMountsFor=\/var\/lib\/ovsb\n/);
      // The volume is mounted before docker restarts with that dependency.
      expect(script.indexOf('mount /var/lib/ovsb')).toBeLessThan(script.indexOf('systemctl restart docker'));
    });

    it('fetches the key secret, then pulls with retries, then imports, then starts the validator', () => {
      const run = runScriptOf(script, 'validator');
      const fetch = run.indexOf(
        '/usr/local/sbin/ovsb-fetch-secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:ovsb/keys-AbCdEf /run/ovsb/validator-keys/arn_aws_secretsmanager_eu-west-1_123456789012_secret_ovsb_keys-AbCdEf 0',
      );
      const pull = run.indexOf('/usr/local/sbin/ovsb-pull sigp/lighthouse:v8.0.0');
      const start = run.indexOf('docker run --detach');
      expect(fetch).toBeGreaterThan(0);
      expect(pull).toBeGreaterThan(fetch);
      expect(start).toBeGreaterThan(pull);
      // A container docker restarted at boot is stopped with its grace period before it is replaced.
      const stop = run.indexOf('docker stop --time 60 validator');
      expect(stop).toBeGreaterThan(pull);
      expect(run.indexOf('docker rm --force validator >/dev/null')).toBeGreaterThan(stop);
      expect(run).toContain('--volume /run/ovsb/validator-keys/arn_aws_secretsmanager_eu-west-1_123456789012_secret_ovsb_keys-AbCdEf:/keys:ro');
      expect(script).toContain('apt-get install -y -q docker.io curl openssl python3-boto3');
      // The beacon node's init container runs inside its unit's script, retried with the unit.
      const beacon = runScriptOf(script, 'beacon');
      expect(beacon.indexOf('docker run --rm \\\n  --name beacon-init')).toBeGreaterThan(beacon.indexOf('/usr/local/sbin/ovsb-pull busybox:1.36'));
      expect(beacon.indexOf('docker run --rm')).toBeLessThan(beacon.indexOf('docker run --detach'));
    });

    it('is valid bash, probe, pull and run scripts included, and the secret fetcher valid Python', () => {
      const dir = mkdtempSync(join(tmpdir(), 'ovsb-user-data-'));
      try {
        const file = join(dir, 'user-data.sh');
        // What Terraform hands the instance: its own escapes undone.
        const handed = script.replace(/\$\$\{/g, '${');
        writeFileSync(file, handed);
        expect(() => execFileSync('bash', ['-n', file])).not.toThrow();
        const embedded = (path: string) => new RegExp(`cat > ${path.replace(/[.]/g, '\\.')} <<'OVSB_EOF'\\n([\\s\\S]*?)OVSB_EOF`).exec(handed)![1]!;
        for (const path of ['/usr/local/sbin/ovsb-probe', '/usr/local/sbin/ovsb-pull', ...['execution', 'beacon', 'validator', 'mev-boost'].map((c) => `/etc/ovsb/run/${c}.sh`)]) {
          writeFileSync(file, embedded(path));
          expect(() => execFileSync('bash', ['-n', file]), path).not.toThrow();
        }
        const python = join(dir, 'fetch.py');
        writeFileSync(python, embedded('/usr/local/sbin/ovsb-fetch-secret'));
        expect(() => execFileSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', python])).not.toThrow();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('escapes `${` for Terraform and quotes arguments for the shell', () => {
      expect(script).toContain(`'--identity=node-$\${literal}'`);
      expect(script).toContain(`'--graffiti=it'\\''s'`);
    });
  });

  it.each([
    ['4', 4],
    ['1.5', 1.5],
    ['500m', 0.5],
  ])('reads CPU quantity %s as %d cores', (quantity, cores) => {
    expect(cpuCores(quantity, 'cpu')).toBe(cores);
  });

  it.each([
    ['16Gi', 16 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['2G', 2e9],
    ['1024', 1024],
  ])('reads memory quantity %s as %d bytes', (quantity, bytes) => {
    expect(memoryBytes(quantity, 'memory')).toBe(bytes);
  });

  it('refuses quantities it cannot read, naming the field', () => {
    expect(() => cpuCores('four', 'execution.cpuRequest')).toThrowError(/execution\.cpuRequest/);
    expect(() => memoryBytes('16 GB', 'execution.memoryRequest')).toThrowError(/execution\.memoryRequest/);
  });

  it('sizes the instance from the memory limits plus a host reserve, and the CPU requests and largest limit', () => {
    const containers = fixtureTopology(awsHostOf, 'aws').containers;
    // Requests (29 GiB) would fit m6i.2xlarge; the limits (50.25 GiB + 2) need m6i.4xlarge.
    expect(instanceTypeFor(containers)).toBe('m6i.4xlarge');
    expect(instanceTypeFor(containers.slice(3))).toBe('m6i.large');
    const cpuHeavy = [{ ...containers[3]!, resources: { cpuRequest: '1', cpuLimit: '6', memoryRequest: '1Gi', memoryLimit: '1Gi' } }];
    // 6 vCPU of --cpus cannot run on a 4 vCPU host: docker refuses it.
    expect(instanceTypeFor(cpuHeavy)).toBe('m6i.2xlarge');
  });

  it('refuses an m6i size the limits do not fit, and leaves other types to the operator', () => {
    expect(() => aws({ instanceType: 'm6i.2xlarge' })).toThrowError(/m6i\.2xlarge \(8 vCPU, 32 GiB\) is too small: .*52\.3 GiB.*use m6i\.4xlarge/);
    expect(resourcesOf(aws({ instanceType: 'r7i.2xlarge' }).json, 'aws_instance')[0].instance_type).toBe('r7i.2xlarge');
  });

  it.each([
    ['plain-word_1.2:3/x', 'plain-word_1.2:3/x'],
    ['two words', `'two words'`],
    ["it's", `'it'\\''s'`],
    ['', `''`],
  ])('shell-quotes %s as %s', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });
});

describe('SandboxNode', () => {
  function sandbox() {
    const stack = testStack();
    const node = new SandboxNode(stack, 'node', { instanceName: 'demo', topology: fixtureTopology(sandboxHostOf('demo')) });
    return { node, stack, json: stack.toTerraform() as Json };
  }

  it('records each container\'s full spec in a terraform_data and needs no provider', () => {
    const { json } = sandbox();
    expect(json.provider).toBeUndefined();
    const records = resourcesOf(json, 'terraform_data');
    const execution = records.find((record) => record.input?.component === 'execution')!;
    expect(execution.input).toMatchObject({
      client: 'geth',
      image: 'ethereum/client-go:v1.16.7',
      host: 'execution.demo.sandbox.invalid',
      data_volume: { name: 'data', mount_path: '/data', size_gi: 2000 },
      secret_mounts: [{ source: 'jwt', mount_path: '/secrets/jwt.hex' }],
      resources: { cpu_request: '4', cpu_limit: '8', memory_request: '16Gi', memory_limit: '32Gi' },
      liveness: { type: 'http', port: 8545, path: '/' },
      termination_grace_period_seconds: 300,
    });
    expect(execution.input.ports).toHaveLength(6);
    const summary = records.find((record) => record.input?.notice)!;
    expect(summary.input.notice).toBe('sandbox: no nodes run');
    expect(summary.input.components).toEqual(['execution', 'beacon', 'validator', 'mev-boost']);
  });

  it('generates the JWT like the Kubernetes target and gives URLs on never-resolving hosts', () => {
    const { node, stack, json } = sandbox();
    expect(resourcesOf(json, 'terraform_data').some((record) => String(record.input).includes('uuid()'))).toBe(true);
    expect(resolve(stack, node.jwtSecret)).toMatch(/^\$\{terraform_data\.[^}]+\.output\}$/);
    expect(node.url({ component: 'beacon', port: 5052, scheme: 'http' })).toBe('http://beacon.demo.sandbox.invalid:5052');
  });
});
