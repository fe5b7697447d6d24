/**
 * EC2 sizing from a topology: the smallest general-purpose instance that fits the sum of the
 * containers' requests (what a Kubernetes scheduler would reserve), plus room for the OS and docker.
 */
import type { ContainerSpec } from '../clients/types';
import { ConfigError } from '../../src/errors';
import { cpuCores, memoryBytes } from './quantity';

interface InstanceSize {
  readonly type: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
}

/** m6i: x86 (every client publishes amd64 images), EBS-optimised, Nitro (NVMe device names). */
const M6I_SIZES: readonly InstanceSize[] = [
  { type: 'm6i.large', vcpus: 2, memoryGiB: 8 },
  { type: 'm6i.xlarge', vcpus: 4, memoryGiB: 16 },
  { type: 'm6i.2xlarge', vcpus: 8, memoryGiB: 32 },
  { type: 'm6i.4xlarge', vcpus: 16, memoryGiB: 64 },
  { type: 'm6i.8xlarge', vcpus: 32, memoryGiB: 128 },
  { type: 'm6i.12xlarge', vcpus: 48, memoryGiB: 192 },
  { type: 'm6i.16xlarge', vcpus: 64, memoryGiB: 256 },
];

/** Kept free for the kernel, docker and page cache headroom. */
const HOST_RESERVED_GIB = 2;

export function instanceTypeFor(containers: readonly ContainerSpec[]): string {
  const cpu = containers.reduce(
    (sum, container) => sum + cpuCores(container.resources.cpuRequest, `${container.component}.cpuRequest`),
    0,
  );
  const memoryGiB =
    containers.reduce(
      (sum, container) => sum + memoryBytes(container.resources.memoryRequest, `${container.component}.memoryRequest`),
      0,
    ) /
      2 ** 30 +
    HOST_RESERVED_GIB;
  const size = M6I_SIZES.find((candidate) => candidate.vcpus >= cpu && candidate.memoryGiB >= memoryGiB);
  if (!size) {
    throw new ConfigError(
      'aws target',
      'instanceType',
      `the containers request ${cpu} vCPU and ${memoryGiB.toFixed(1)} GiB with the host reserve, more than m6i.16xlarge; set aws.instanceType explicitly`,
    );
  }
  return size.type;
}
