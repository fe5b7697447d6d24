/**
 * A node topology on one EC2 host: the containers run under docker (see cloud-init.ts).
 *
 * Construct ids (a contract: they become Terraform addresses):
 * - `zones`, `subnet`                 data sources: the subnet (given, or the default subnet of the
 *                                     first available zone) fixes the zone of instance and volume
 * - `ami`                             data source: latest Ubuntu 24.04 LTS (only when no amiId)
 * - `security-group`                  with `ingress-<component>-<port>-<source>` / `egress-ipv4|ipv6` rules
 * - `data-volume`, `data-attachment`  the EBS volume and its attachment (only with chain data)
 * - `instance`                        the EC2 instance, its user data in the local `user_data`
 *
 * The data volume is created before the instance so its id can be in the user data (the NVMe
 * serial identifies the device); the instance is replaced when the user data changes and the
 * volume moves to the replacement. A looked-up AMI does not replace the instance when a newer
 * image is published (ignore_changes): set amiId to move on deliberately.
 */
import { Construct } from 'constructs';
import { Fn, TerraformLocal } from 'cdktf';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import type { ContainerSpec, NodeTopology, ServiceEndpoint } from '../clients/types';
import type { AwsTargetProps } from '../../stacks/props';
import { ConfigError } from '../../src/errors';
import { findPort } from '../sandbox/endpoints';
import { renderUserData } from './cloud-init';
import { isPublished, publishedPorts } from './host';
import { instanceTypeFor } from './sizing';

export interface AwsNodeProps {
  /** DNS-label-safe instance name; names the AWS resources (Name tags, security group). */
  readonly instanceName: string;
  /** A NodeTopology, or any set of containers (the MEV-Boost stack passes mev-boost alone). */
  readonly topology: Pick<NodeTopology, 'network' | 'containers'>;
  /** @default {} (default subnet, sized instance, gp3 10000 IOPS, RPC closed to everyone else) */
  readonly target?: AwsTargetProps;
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
    this.addIngressRules(securityGroup, containers, target.rpcAllowedCidrs ?? []);
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

    const userData = renderUserData({
      instanceName,
      network: props.topology.network,
      containers,
      ...(volume ? { dataVolumeSerial: Fn.replace(volume.id, '-', '') } : {}),
    });
    this.instance = new Instance(this, 'instance', {
      ami,
      instanceType: target.instanceType ?? instanceTypeFor(containers),
      subnetId: subnet.id,
      vpcSecurityGroupIds: [securityGroup.id],
      associatePublicIpAddress: true,
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

  /** The URL a consumer uses: the host's private address and the published port. */
  publishes(endpoint: ServiceEndpoint): boolean {
    return isPublished(findPort(this.containers, endpoint).port);
  }

  url(endpoint: ServiceEndpoint): string {
    const { port, container } = findPort(this.containers, endpoint);
    if (!isPublished(port)) {
      throw new ConfigError(
        'aws target',
        `endpoints.${endpoint.component}:${endpoint.port}`,
        `${container.component} port ${port.name} has exposure "${port.exposure}" and is not published on the host; bind to an rpc or metrics port`,
      );
    }
    return `${endpoint.scheme}://${this.instance.privateIp}:${endpoint.port}${endpoint.path ?? ''}`;
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
    rpcAllowedCidrs: readonly string[],
  ): void {
    for (const { component, port } of publishedPorts(containers)) {
      const sources = port.exposure === 'p2p' ? ['0.0.0.0/0', '::/0'] : rpcAllowedCidrs;
      for (const cidr of sources) {
        const source = port.exposure === 'p2p' ? (cidr.includes(':') ? 'ipv6' : 'ipv4') : cidr.replace(/[^A-Za-z0-9]+/g, '-');
        new VpcSecurityGroupIngressRule(this, `ingress-${component}-${port.name}-${source}`, {
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
