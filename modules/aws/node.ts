/**
 * A node topology on one EC2 host: the containers run under docker, each started by a systemd unit
 * (see cloud-init.ts).
 *
 * Construct ids (a contract: they become Terraform addresses):
 * - `zones`, `subnet`, `vpc`          data sources: the subnet (given, or the default subnet of the
 *                                     first available zone) fixes the zone of instance and volume; its
 *                                     VPC's CIDR is who may reach RPC and metrics by default
 * - `partition`, `region`, `caller`   data sources naming the validator-key secret's ARN (only with a
 *                                     secret given by name)
 * - `ami`                             data source: latest Ubuntu 24.04 LTS (only when no amiId)
 * - `security-group`                  with `ingress-<component>-<port>-<source>` / `egress-ipv4|ipv6` rules
 * - `network-interface`               the host's ENI: its private IP is what bindings name, and it
 *                                     outlives instance replacements
 * - `public-ip`                       an Elastic IP on the ENI for P2P (unless publicIp is false)
 * - `assume-role`, `role`, `ssm-core`, `instance-profile`  the instance role: SSM Session Manager
 *                                     access (AmazonSSMManagedInstanceCore), no SSH key
 * - `validator-keys-access`, `validator-keys-policy`  read access to the validator-key secret (only
 *                                     when the topology references one)
 * - `data-volume`, `data-attachment`  the EBS volume and its attachment (only with chain data)
 * - `instance`                        the EC2 instance, its user data in the local `user_data`
 *
 * The data volume is created before the instance so its id can be in the user data (the NVMe
 * serial identifies the device); the instance is replaced when the user data changes, and the ENI
 * (private IP, Elastic IP) and the volume move to the replacement. A looked-up AMI does not replace
 * the instance when a newer image is published (ignore_changes): set amiId to move on deliberately.
 */
import { Construct } from 'constructs';
import { Fn, TerraformLocal } from 'cdktf';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet';
import { DataAwsVpc } from '@cdktf/provider-aws/lib/data-aws-vpc';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { NetworkInterface } from '@cdktf/provider-aws/lib/network-interface';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import type { ContainerSpec, NodeTopology, ServiceEndpoint } from '../clients/types';
import type { AwsTargetProps } from '../../stacks/props';
import { ConfigError } from '../errors';
import { findPort } from '../sandbox/endpoints';
import { awsSecretsOf, renderUserData } from './cloud-init';
import { isPublished, publishedPorts } from './host';
import { AWS_SECRET_ARN } from './secret-arn';
import { checkInstanceType, instanceTypeFor } from './sizing';

export interface AwsNodeProps {
  /** DNS-label-safe instance name; names the AWS resources (Name tags, security group, role). */
  readonly instanceName: string;
  /** A NodeTopology, or any set of containers (the MEV-Boost stack passes mev-boost alone). */
  readonly topology: Pick<NodeTopology, 'network' | 'containers'>;
  /** @default {} (default subnet, sized instance, gp3 10000 IOPS, RPC open to the subnet's VPC only) */
  readonly target?: AwsTargetProps;
  /**
   * Readiness app_start_timeout_sec: a container not ready this long after it started is logged as failed.
   * @default none
   */
  readonly readinessStartTimeoutSeconds?: number;
}

/** Canonical's AWS account: the official Ubuntu images. */
const CANONICAL_OWNER = '099720109477';
const UBUNTU_2404_AMD64 = 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*';
const DATA_DEVICE_NAME = '/dev/sdf';
const ROOT_VOLUME_GI = 30;
const DEFAULT_IOPS = 10_000;
const DEFAULT_THROUGHPUT_MIBPS = 500;
const GP3_MAX_GI = 16_384;
const IO2_MAX_GI = 65_536;

export class AwsNode extends Construct {
  readonly instance: Instance;
  /** The host's private address: the ENI's, so it survives instance replacement. */
  readonly privateIp: string;
  /** The Elastic IP for P2P; undefined when publicIp is false. */
  readonly publicIp?: string;
  private readonly containers: readonly ContainerSpec[];

  constructor(scope: Construct, id: string, props: AwsNodeProps) {
    super(scope, id);
    const { instanceName } = props;
    const target = props.target ?? {};
    const { containers } = props.topology;
    this.containers = containers;
    const tags = { Name: `ovsb-${instanceName}`, 'ovsb-instance': instanceName, 'managed-by': 'ovsb' };

    const subnet = target.subnetId
      ? new DataAwsSubnet(this, 'subnet', { id: target.subnetId })
      : new DataAwsSubnet(this, 'subnet', {
          defaultForAz: true,
          availabilityZone: Fn.element(new DataAwsAvailabilityZones(this, 'zones', { state: 'available' }).names, 0),
        });

    const securityGroup = new SecurityGroup(this, 'security-group', {
      name: `ovsb-${instanceName}`,
      description: `OVSB ${instanceName}: P2P open, RPC and metrics from allowed CIDRs, Engine API never`,
      vpcId: subnet.vpcId,
      revokeRulesOnDelete: true,
      tags,
    });
    // Bindings hand out RPC URLs: by default the subnet's VPC can use them, the world never.
    const rpcSources =
      target.rpcAllowedCidrs ?? [{ cidr: new DataAwsVpc(this, 'vpc', { id: subnet.vpcId }).cidrBlock, label: 'vpc' }];
    this.addIngressRules(
      securityGroup,
      containers,
      rpcSources.map((source) => (typeof source === 'string' ? { cidr: source, label: source.replace(/[^A-Za-z0-9]+/g, '-') } : source)),
    );
    new VpcSecurityGroupEgressRule(this, 'egress-ipv4', {
      securityGroupId: securityGroup.id,
      ipProtocol: '-1',
      cidrIpv4: '0.0.0.0/0',
      tags,
    });
    new VpcSecurityGroupEgressRule(this, 'egress-ipv6', {
      securityGroupId: securityGroup.id,
      ipProtocol: '-1',
      cidrIpv6: '::/0',
      tags,
    });

    const networkInterface = new NetworkInterface(this, 'network-interface', {
      subnetId: subnet.id,
      securityGroups: [securityGroup.id],
      description: `OVSB ${instanceName}: the host's address, kept across instance replacements`,
      tags,
    });
    this.privateIp = networkInterface.privateIp;
    if (target.publicIp ?? true) {
      this.publicIp = new Eip(this, 'public-ip', { domain: 'vpc', networkInterface: networkInterface.id, tags }).publicIp;
    }

    const profile = this.instanceProfile(instanceName, containers, tags);

    const dataGi = containers.reduce((sum, container) => sum + (container.dataVolume?.sizeGi ?? 0), 0);
    const volume = dataGi > 0 ? this.dataVolume(subnet.availabilityZone, dataGi, target, tags) : undefined;

    const ami = target.amiId
      ? target.amiId
      : new DataAwsAmi(this, 'ami', {
          mostRecent: true,
          owners: [CANONICAL_OWNER],
          filter: [
            { name: 'name', values: [UBUNTU_2404_AMD64] },
            { name: 'virtualization-type', values: ['hvm'] },
          ],
        }).id;

    if (target.instanceType) checkInstanceType(target.instanceType, containers);
    const userData = renderUserData({
      instanceName,
      network: props.topology.network,
      containers,
      ...(volume ? { dataVolumeSerial: Fn.replace(volume.id, '-', '') } : {}),
      ...(props.readinessStartTimeoutSeconds !== undefined && { readinessStartTimeoutSeconds: props.readinessStartTimeoutSeconds }),
    });
    this.instance = new Instance(this, 'instance', {
      ami,
      instanceType: target.instanceType ?? instanceTypeFor(containers),
      primaryNetworkInterface: { networkInterfaceId: networkInterface.id },
      iamInstanceProfile: profile.name,
      // gzip keeps a four-client script well under the 16 KiB user data limit; cloud-init unpacks it.
      // The script sits in a local so the JSON keeps it readable for review diffs.
      userDataBase64: Fn.base64gzip(new TerraformLocal(this, 'user_data', userData).asString),
      userDataReplaceOnChange: true,
      rootBlockDevice: { volumeSize: ROOT_VOLUME_GI, volumeType: 'gp3', encrypted: true, tags },
      metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
      // Not volume_tags: they would fight the data volume's own tags (the provider documents the cycling).
      tags,
      ...(target.amiId ? {} : { lifecycle: { ignoreChanges: ['ami'] } }),
    });

    if (volume) {
      new VolumeAttachment(this, 'data-attachment', {
        deviceName: DATA_DEVICE_NAME,
        volumeId: volume.id,
        instanceId: this.instance.id,
        // Stopping first lets the clients flush and the filesystem unmount cleanly.
        stopInstanceBeforeDetaching: true,
      });
    }
  }

  /** Whether consumers outside the host can reach the endpoint (AWS publishes only P2P, rpc and metrics ports). */
  publishes(endpoint: ServiceEndpoint): boolean {
    return isPublished(findPort(this.containers, endpoint).port);
  }

  /** The URL a consumer uses: the ENI's private address and the published port. */
  url(endpoint: ServiceEndpoint): string {
    const { port, container } = findPort(this.containers, endpoint);
    if (!isPublished(port)) {
      throw new ConfigError(
        'aws target',
        `endpoints.${endpoint.component}:${endpoint.port}`,
        `${container.component} port ${port.name} has exposure "${port.exposure}" and is not published on the host; bind to an rpc or metrics port`,
      );
    }
    return `${endpoint.scheme}://${this.privateIp}:${endpoint.port}${endpoint.path ?? ''}`;
  }

  /**
   * The instance role: Session Manager for operators (no SSH key, no open port), and read access to the
   * validator-key secret when the topology references one. Nothing else: the host needs no other AWS API.
   */
  private instanceProfile(
    instanceName: string,
    containers: readonly ContainerSpec[],
    tags: Readonly<Record<string, string>>,
  ): IamInstanceProfile {
    const assumeRole = new DataAwsIamPolicyDocument(this, 'assume-role', {
      statement: [{ effect: 'Allow', actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }] }],
    });
    const role = new IamRole(this, 'role', {
      name: `ovsb-${instanceName}`,
      description: `OVSB ${instanceName}: Session Manager access and its validator-key secret`,
      assumeRolePolicy: assumeRole.json,
      tags,
    });
    const partition = new DataAwsPartition(this, 'partition', {}).partition;
    new IamRolePolicyAttachment(this, 'ssm-core', {
      role: role.name,
      policyArn: `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    });
    const secrets = awsSecretsOf(containers);
    if (secrets.length > 0) {
      const resources = secrets.flatMap((secret) => this.secretArns(secret, partition));
      const access = new DataAwsIamPolicyDocument(this, 'validator-keys-access', {
        statement: [{ effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources }],
      });
      new IamRolePolicy(this, 'validator-keys-policy', { name: 'validator-keys', role: role.id, policy: access.json });
    }
    return new IamInstanceProfile(this, 'instance-profile', { name: `ovsb-${instanceName}`, role: role.name, tags });
  }

  /** The ARNs a secret reference can mean: Secrets Manager appends 6 random characters to a secret's name. */
  private secretArns(secret: string, partition: string): string[] {
    if (AWS_SECRET_ARN.test(secret)) return [secret, `${secret}-??????`];
    const region = new DataAwsRegion(this, 'region', {}).region;
    const account = new DataAwsCallerIdentity(this, 'caller', {}).accountId;
    return [`arn:${partition}:secretsmanager:${region}:${account}:secret:${secret}-??????`];
  }

  private dataVolume(
    availabilityZone: string,
    sizeGi: number,
    target: AwsTargetProps,
    tags: Readonly<Record<string, string>>,
  ): EbsVolume {
    const type = target.volumeType ?? 'gp3';
    const maxGi = type === 'gp3' ? GP3_MAX_GI : IO2_MAX_GI;
    if (sizeGi > maxGi) {
      throw new ConfigError(
        'aws target',
        'volumeType',
        `the topology needs ${sizeGi} GiB of data, more than a ${type} volume holds (${maxGi} GiB); use io2 or smaller storage sizes`,
      );
    }
    return new EbsVolume(this, 'data-volume', {
      availabilityZone,
      size: sizeGi,
      type,
      iops: target.volumeIops ?? DEFAULT_IOPS,
      ...(type === 'gp3' ? { throughput: target.volumeThroughputMiBps ?? DEFAULT_THROUGHPUT_MIBPS } : {}),
      encrypted: true,
      tags: { ...tags, Name: `ovsb-${tags['ovsb-instance']}-data` },
    });
  }

  private addIngressRules(
    securityGroup: SecurityGroup,
    containers: readonly ContainerSpec[],
    rpcSources: readonly { readonly cidr: string; readonly label: string }[],
  ): void {
    const world = [
      { cidr: '0.0.0.0/0', label: 'ipv4' },
      { cidr: '::/0', label: 'ipv6' },
    ];
    for (const { component, port } of publishedPorts(containers)) {
      for (const { cidr, label } of port.exposure === 'p2p' ? world : rpcSources) {
        new VpcSecurityGroupIngressRule(this, `ingress-${component}-${port.name}-${label}`, {
          securityGroupId: securityGroup.id,
          description: `${component} ${port.name} (${port.exposure})`,
          ipProtocol: port.protocol.toLowerCase(),
          fromPort: port.port,
          toPort: port.port,
          ...(cidr.includes(':') ? { cidrIpv6: cidr } : { cidrIpv4: cidr }),
        });
      }
    }
  }
}
