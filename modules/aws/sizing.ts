/**
 * EC2 sizing from a topology. Every container runs with `docker --memory <limit>` and `--cpus <limit>`,
 * so the host must hold the sum of the memory limits plus room for the OS and docker (a host sized from
 * requests lets the containers together outgrow it, and the kernel's OOM killer picks one), and enough
 * vCPUs for the requests and for the largest CPU limit (docker refuses `--cpus` above the host's count).
 */
import type { ContainerSpec } from '../clients/types';
import { ConfigError } from '../errors';
import { cpuCores, memoryBytes } from './quantity';

export interface InstanceSize {
  readonly type: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
}

/** m6i: x86 (every client publishes amd64 images), EBS-optimised, Nitro (NVMe device names). */
export const M6I_SIZES: readonly InstanceSize[] = [
  { type: 'm6i.large', vcpus: 2, memoryGiB: 8 },
  { type: 'm6i.xlarge', vcpus: 4, memoryGiB: 16 },
  { type: 'm6i.2xlarge', vcpus: 8, memoryGiB: 32 },
  { type: 'm6i.4xlarge', vcpus: 16, memoryGiB: 64 },
  { type: 'm6i.8xlarge', vcpus: 32, memoryGiB: 128 },
  { type: 'm6i.12xlarge', vcpus: 48, memoryGiB: 192 },
  { type: 'm6i.16xlarge', vcpus: 64, memoryGiB: 256 },
];

/** Kept free of container limits for the kernel, docker, the probes and page cache headroom. */
export const HOST_RESERVED_GIB = 2;

/** What the containers need of a host. */
export interface HostNeeds {
  /** Sum of the memory limits plus the host reserve, GiB. */
  readonly memoryGiB: number;
  /** Sum of the CPU requests. */
  readonly cpuRequests: number;
  /** The largest single CPU limit. */
  readonly largestCpuLimit: number;
}

export function hostNeeds(containers: readonly ContainerSpec[]): HostNeeds {
  let memory = 0;
  let cpuRequests = 0;
  let largestCpuLimit = 0;
  for (const { component, resources } of containers) {
    memory += memoryBytes(resources.memoryLimit, `${component}.memoryLimit`);
    cpuRequests += cpuCores(resources.cpuRequest, `${component}.cpuRequest`);
    largestCpuLimit = Math.max(largestCpuLimit, cpuCores(resources.cpuLimit, `${component}.cpuLimit`));
  }
  return { memoryGiB: memory / 2 ** 30 + HOST_RESERVED_GIB, cpuRequests, largestCpuLimit };
}

export function fits(size: InstanceSize, needs: HostNeeds): boolean {
  return size.memoryGiB >= needs.memoryGiB && size.vcpus >= needs.cpuRequests && size.vcpus >= needs.largestCpuLimit;
}

function describe(needs: HostNeeds): string {
  return `${needs.memoryGiB.toFixed(1)} GiB of memory limits with the host reserve, ${needs.cpuRequests} vCPU of requests and a ${needs.largestCpuLimit} vCPU limit`;
}

export function instanceTypeFor(containers: readonly ContainerSpec[]): string {
  const needs = hostNeeds(containers);
  const size = M6I_SIZES.find((candidate) => fits(candidate, needs));
  if (!size) {
    throw new ConfigError(
      'aws target',
      'instanceType',
      `the containers need ${describe(needs)}, more than m6i.16xlarge; set aws.instanceType explicitly or lower the limits`,
    );
  }
  return size.type;
}

/** Refuses an operator-chosen m6i size the limits do not fit on; other types are the operator's call. */
export function checkInstanceType(instanceType: string, containers: readonly ContainerSpec[]): void {
  const size = M6I_SIZES.find((candidate) => candidate.type === instanceType);
  const needs = hostNeeds(containers);
  if (size && !fits(size, needs)) {
    throw new ConfigError(
      'aws target',
      'instanceType',
      `${instanceType} (${size.vcpus} vCPU, ${size.memoryGiB} GiB) is too small: the containers need ${describe(needs)}; use ${instanceTypeFor(containers)} or lower the limits`,
    );
  }
}
