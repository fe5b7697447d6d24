/**
 * The whole chain, client definitions included: NodeStackProps -> buildNodeTopology -> target
 * construct -> Terraform JSON, for every execution x consensus x target x network x role.
 */
import { describe, expect, it } from 'vitest';
import {
  CONSENSUS_CLIENTS,
  EXECUTION_CLIENTS,
  NETWORKS,
  ROLES,
  TARGETS,
  type Target,
} from '../../modules/clients/types';
import { buildNodeTopology } from '../../modules/clients/topology';
import { targetHostOf } from '../../stacks/target';
import { renderUserData } from '../../modules/aws/cloud-init';
import { awsHostOf } from '../../modules/aws/host';
import { synthesizeMevBoostStack, synthesizeNodeStack } from '../../src/synth';
import { resourcesOf, type Json } from './fixtures';
import { hasMevBoost, mevBoostProps, nodeProps, runsOn, type NodePlan } from './props';

const NODE_OUTPUTS = [
  'execution_http_url',
  'execution_ws_url',
  'beacon_api_url',
  'metrics_urls',
  'network',
  'role',
  'target',
  'execution_client',
  'execution_version',
  'consensus_client',
  'consensus_version',
];

const ALL_PLANS: NodePlan[] = EXECUTION_CLIENTS.flatMap((execution) =>
  CONSENSUS_CLIENTS.flatMap((consensus) =>
    ROLES.flatMap((role) =>
      TARGETS.flatMap((target) => NETWORKS.map((network) => ({ execution, consensus, role, target, network }))),
    ),
  ),
);

const planName = (plan: NodePlan) => `${plan.execution}-${plan.consensus}-${plan.role}-${plan.target}-${plan.network}`;

/** Every `host:port` in a list of flags that names a host of this instance. */
function peerReferences(args: readonly string[], hostPattern: string): { host: string; port: number }[] {
  const pattern = new RegExp(`(${hostPattern}):(\\d+)`, 'g');
  return args.flatMap((arg) => [...arg.matchAll(pattern)].map((match) => ({ host: match[1]!, port: Number(match[2]) })));
}

function checkCommon(plan: NodePlan, json: Json): void {
  expect(json.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  for (const name of NODE_OUTPUTS) expect(json.output, name).toHaveProperty(name);
  expect(json.output.network.value).toBe(plan.network);
  expect(json.output.execution_client.value).toBe(plan.execution);
  expect(json.output.consensus_client.value).toBe(plan.consensus);
  expect(Object.keys(json.output.metrics_urls.value)).toEqual(expect.arrayContaining(['execution', 'beacon']));
  if (plan.role === 'validator') {
    // On AWS the validator's MEV-Boost listens on the host only, so it is no output there; sepolia
    // (enshrined PBS) has none.
    if (plan.target === 'aws' || !hasMevBoost(plan.network)) expect(json.output).not.toHaveProperty('mev_boost_url');
    else expect(json.output).toHaveProperty('mev_boost_url');
    expect(json.output).toHaveProperty('fee_recipient');
  } else {
    expect(json.output).not.toHaveProperty('mev_boost_url');
  }
  if (plan.target === 'aws') {
    expect(json.output).not.toHaveProperty('jwt_secret');
  } else {
    expect(json.output.jwt_secret.sensitive).toBe(true);
  }
  expect(JSON.stringify(json)).not.toContain('empty_dir');
}

function checkKubernetes(plan: NodePlan, json: Json): void {
  const namespace = 'ovsb-i-abcdefghijklmnop';
  expect(resourcesOf(json, 'kubernetes_namespace_v1').map((ns) => ns.metadata.name)).toEqual([namespace]);
  expect(json.provider).toHaveProperty('kubernetes');
  const sets = resourcesOf(json, 'kubernetes_stateful_set_v1');
  const services = resourcesOf(json, 'kubernetes_service_v1');
  const pods = new Map(sets.map((set) => [set.spec.template.metadata.labels['app.kubernetes.io/component'], set] as const));
  expect([...pods.keys()]).toEqual(expect.arrayContaining(['execution', 'beacon']));
  expect(pods.has('mev-boost')).toBe(plan.role === 'validator' && hasMevBoost(plan.network));

  for (const set of sets) {
    const labels = set.spec.template.metadata.labels;
    expect(Object.keys(labels).sort()).toEqual(
      [
        'app.kubernetes.io/component',
        'app.kubernetes.io/instance',
        'app.kubernetes.io/managed-by',
        'app.kubernetes.io/name',
        'app.kubernetes.io/version',
      ].sort(),
    );
    const container = set.spec.template.spec.container[0];
    // Chain data is always on a claim, never on the pod's ephemeral storage.
    for (const claim of set.spec.volume_claim_template) {
      expect(container.volume_mount.map((mount: Json) => mount.name)).toContain(claim.metadata.name);
      expect(claim.spec.resources.requests.storage).toMatch(/^\d+Gi$/);
    }
    // Every peer a flag names is a Service of this instance with that port.
    for (const reference of peerReferences(container.args ?? [], `[a-z0-9-]+\\.${namespace}\\.svc\\.cluster\\.local`)) {
      const service = services.find((candidate) => `${candidate.metadata.name}.${namespace}.svc.cluster.local` === reference.host);
      expect(service, `${reference.host}:${reference.port}`).toBeDefined();
      expect(service!.spec.port.map((port: Json) => port.port)).toContain(reference.port);
    }
  }

  const execution = pods.get('execution')!;
  const executionClaim = execution.spec.volume_claim_template[0];
  expect(executionClaim, 'execution data claim').toBeDefined();
  if (plan.network === 'mainnet') expect(parseInt(executionClaim.spec.resources.requests.storage, 10)).toBeGreaterThanOrEqual(1000);
  for (const component of ['execution', 'beacon']) {
    const pod = pods.get(component)!.spec.template.spec;
    expect(pod.volume, component).toContainEqual(expect.objectContaining({ name: 'jwt' }));
    expect(pod.container[0].volume_mount, component).toContainEqual(expect.objectContaining({ name: 'jwt', read_only: true }));
  }
  const policy = resourcesOf(json, 'kubernetes_network_policy_v1').find(
    (candidate) => candidate.metadata.name === 'i-abcdefghijklmnop-execution',
  )!;
  const engineRule = policy.spec.ingress.find((rule: Json) => rule.from);
  expect(engineRule.from[0].pod_selector.match_labels['app.kubernetes.io/component']).toBe('beacon');
}

function checkAws(plan: NodePlan, json: Json): void {
  expect(json.provider).toHaveProperty('aws');
  const topology = buildNodeTopology(nodeProps(plan), awsHostOf);
  const engineAndInternal = topology.containers.flatMap((container) =>
    container.ports.filter((port) => port.exposure === 'engine' || port.exposure === 'internal').map((port) => port.port),
  );
  const rules = resourcesOf(json, 'aws_vpc_security_group_ingress_rule');
  for (const rule of rules) expect(engineAndInternal, `rule on ${rule.from_port}`).not.toContain(rule.from_port);
  for (const container of topology.containers) {
    for (const port of container.ports.filter((candidate) => candidate.exposure === 'p2p')) {
      for (const world of ['0.0.0.0/0', '::/0']) {
        expect(
          rules.some(
            (rule) =>
              rule.from_port === port.port &&
              rule.ip_protocol === port.protocol.toLowerCase() &&
              (rule.cidr_ipv4 ?? rule.cidr_ipv6) === world,
          ),
          `${container.component} ${port.name} open to ${world}`,
        ).toBe(true);
      }
    }
  }
  const [volume] = resourcesOf(json, 'aws_ebs_volume');
  expect(volume.size).toBe(topology.containers.reduce((sum, container) => sum + (container.dataVolume?.sizeGi ?? 0), 0));
  if (plan.network === 'mainnet') expect(volume.size).toBeGreaterThanOrEqual(1000);

  const script = renderUserData({ instanceName: 'i-abcdefghijklmnop', network: plan.network, containers: topology.containers, dataVolumeSerial: 'vol0' });
  const [userData] = Object.values(json.locals) as string[];
  expect(userData!.replace(/\$\{replace\(aws_ebs_volume\.[^}]+\}/, 'vol0')).toBe(script);
  for (const container of topology.containers) {
    expect(script).toContain(`--name ${container.component} \\`);
    for (const reference of peerReferences(container.args, '(?:execution|beacon|validator|mev-boost)')) {
      const peer = topology.containers.find((candidate) => candidate.component === reference.host);
      expect(peer?.ports.map((port) => port.port), `${container.component} -> ${reference.host}:${reference.port}`).toContain(
        reference.port,
      );
    }
  }
  for (const port of engineAndInternal) expect(script).not.toContain(`--publish ${port}:`);
}

function checkSandbox(plan: NodePlan, json: Json): void {
  expect(json.provider).toBeUndefined();
  const records = resourcesOf(json, 'terraform_data').map((record) => record.input);
  const topology = buildNodeTopology(nodeProps(plan), targetHostOf(nodeProps(plan)));
  for (const container of topology.containers) {
    expect(records.some((input) => input?.component === container.component && input.image === container.image)).toBe(true);
  }
  expect(json.output.execution_http_url.value).toMatch(/^http:\/\/execution\.i-abcdefghijklmnop\.sandbox\.invalid:\d+$/);
  expect(json.output.notice.value).toBe('sandbox: no nodes run');
}

const CHECKS: Record<Target, (plan: NodePlan, json: Json) => void> = {
  kubernetes: checkKubernetes,
  aws: checkAws,
  sandbox: checkSandbox,
};

describe('every execution x consensus x role x target x network', () => {
  it.each(ALL_PLANS.filter(runsOn).map((plan) => [planName(plan), plan] as const))('%s synthesises with the wiring rules', (_name, plan) => {
    const json = synthesizeNodeStack('node', nodeProps(plan)) as Json;
    checkCommon(plan, json);
    CHECKS[plan.target](plan, json);
  });

  it.each(ALL_PLANS.filter((plan) => !runsOn(plan)).map((plan) => [planName(plan), plan] as const))(
    '%s is refused: a client has no release that follows the network',
    (_name, plan) => {
      expect(() => synthesizeNodeStack('node', nodeProps(plan))).toThrow(/release is known to follow Glamsterdam/);
    },
  );
});

describe('every target x network of the MEV-Boost middleware stack', () => {
  it.each(TARGETS.map((target) => [target] as const))('%s sepolia is refused: Glamsterdam enshrines PBS', (target) => {
    expect(() => synthesizeMevBoostStack('mev-boost', mevBoostProps(target, 'sepolia'))).toThrow(/EIP-7732/);
  });

  it.each(TARGETS.flatMap((target) => NETWORKS.filter(hasMevBoost).map((network) => [target, network] as const)))(
    '%s %s',
    (target, network) => {
      const json = synthesizeMevBoostStack('mev-boost', mevBoostProps(target, network)) as Json;
      expect(json.output.mev_boost_url.value).toMatch(/:18550$/);
      expect(json.output.network.value).toBe(network);
      expect(json.output).not.toHaveProperty('jwt_secret');
      if (target === 'aws') {
        const rules = resourcesOf(json, 'aws_vpc_security_group_ingress_rule');
        expect(rules.every((rule) => rule.from_port !== 18550 || rule.cidr_ipv4 !== '0.0.0.0/0')).toBe(true);
        expect(resourcesOf(json, 'aws_ebs_volume')).toHaveLength(0);
      }
    },
  );
});
