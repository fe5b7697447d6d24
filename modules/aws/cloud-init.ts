/**
 * The EC2 user data: a bash script rendered from the topology, byte-for-byte the same for the
 * same topology. cloud-init runs it once per instance; the stack replaces the instance when the
 * script changes, and chain data survives on the separate EBS volume.
 *
 * Steps: install docker (Ubuntu's docker.io), mount the data volume (formatting it only when it
 * is blank), create data directories owned by each client's UID, generate the Engine API JWT on
 * the volume if absent, run init containers then each container with `docker run`, and install a
 * liveness prober per container (a systemd timer: docker's own HEALTHCHECK runs inside the image,
 * and client images do not all ship curl; it also never restarts anything). Readiness is not
 * mapped: a single host has no traffic to take away from an unready container.
 */
import type { ContainerSpec, Network, ProbeSpec } from '../clients/types';
import { terraformLiteral } from '../sandbox/builtins';
import { cpuCores, memoryBytes } from './quantity';
import {
  AWS_DOCKER_NETWORK,
  HOST_DATA_ROOT,
  HOST_JWT_FILE,
  awsContainerName,
  hostDataDir,
  hostExternalSecretDir,
  isPublished,
} from './host';

export interface UserDataProps {
  readonly instanceName: string;
  readonly network: Network;
  readonly containers: readonly ContainerSpec[];
  /**
   * The data volume's NVMe serial (`vol` + id without its dash), usually a Terraform expression;
   * inserted verbatim, never escaped.
   * @default none: no data volume, everything on the root volume
   */
  readonly dataVolumeSerial?: string;
}

/** Docker's own stop timeout is 10 s and the daemon's shutdown timeout 15 s; ELs need minutes. */
const DEFAULT_STOP_SECONDS = 30;

/** A shell word: bare when it only has safe characters, single-quoted otherwise. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function command(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** A multi-line command, one option per line, so a review diff shows which flag changed. */
function multiline(lines: readonly string[][]): string {
  return lines.map((words) => command(words)).join(' \\\n  ');
}

function volumeFlags(container: ContainerSpec): string[][] {
  const flags: string[][] = [];
  if (container.dataVolume) {
    flags.push(['--volume', `${hostDataDir(container.component, container.dataVolume.name)}:${container.dataVolume.mountPath}`]);
  }
  for (const mount of container.secretMounts) {
    flags.push([
      '--volume',
      mount.source.kind === 'jwt'
        ? `${HOST_JWT_FILE}:${mount.mountPath}:ro`
        : `${hostExternalSecretDir(mount.source.secretName)}:${mount.mountPath}:ro`,
    ]);
  }
  return flags;
}

function userFlag(container: ContainerSpec): string[][] {
  return container.runAsUser === undefined ? [] : [['--user', `${container.runAsUser}:${container.runAsUser}`]];
}

function entrypoint(commandWords: readonly string[], image: string, args: readonly string[]): string[][] {
  const [first, ...rest] = commandWords;
  return [...(first === undefined ? [] : [['--entrypoint', first]]), [image, ...rest], ...args.map((arg) => [arg])];
}

function initContainerRuns(container: ContainerSpec): string[] {
  return container.initContainers.map((init) => {
    const run = multiline([
      ['docker', 'run', '--rm'],
      ['--name', `${awsContainerName(container.component)}-${init.name}`],
      ['--network', AWS_DOCKER_NETWORK],
      ...userFlag(container),
      ...volumeFlags(container),
      ...entrypoint(init.command, init.image, init.args),
    ]);
    // Kubernetes retries a failing init container until it succeeds; so does this loop.
    return `until ${run}; do\n  echo "init container ${init.name} failed; retrying in 30 s" >&2\n  sleep 30\ndone`;
  });
}

function containerRun(instanceName: string, container: ContainerSpec): string {
  const name = awsContainerName(container.component);
  const { resources } = container;
  const field = `${container.component}.resources`;
  const cpuRequest = cpuCores(resources.cpuRequest, `${field}.cpuRequest`);
  return multiline([
    ['docker', 'run', '--detach'],
    ['--name', name],
    ['--hostname', name],
    ['--network', AWS_DOCKER_NETWORK],
    ['--restart', 'unless-stopped'],
    ['--label', `ovsb.instance=${instanceName}`],
    ['--label', `ovsb.component=${container.component}`],
    ['--stop-timeout', String(container.terminationGracePeriodSeconds)],
    ['--cpus', String(cpuCores(resources.cpuLimit, `${field}.cpuLimit`))],
    ['--cpu-shares', String(Math.max(2, Math.round(cpuRequest * 1024)))],
    ['--memory', String(memoryBytes(resources.memoryLimit, `${field}.memoryLimit`))],
    ['--memory-reservation', String(memoryBytes(resources.memoryRequest, `${field}.memoryRequest`))],
    ...userFlag(container),
    ...container.ports
      .filter(isPublished)
      .map((port) => ['--publish', `${port.port}:${port.port}/${port.protocol.toLowerCase()}`]),
    ...volumeFlags(container),
    ...Object.entries(container.env).map(([key, value]) => ['--env', `${key}=${value}`]),
    ...entrypoint(container.command, container.image, container.args),
  ]);
}

/**
 * The prober every container's timer runs; settings come from /etc/ovsb/probes/<container>.env.
 * The two directories can be moved by environment so the logic can be exercised off-host.
 */
export const PROBE_SCRIPT = `#!/bin/bash
# Liveness probe of one container: after PROBE_FAILURE_THRESHOLD failures in a row the container
# is restarted; PROBE_SUCCESS_THRESHOLD successes in a row clear earlier failures.
set -u
name=$1
. "\${OVSB_PROBE_CONFIG_DIR:-/etc/ovsb/probes}/$name.env"
state_dir=\${OVSB_PROBE_STATE_DIR:-/run/ovsb-probe}
mkdir -p "$state_dir"
state="$state_dir/$name"
running=$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null) || exit 0
[ "$running" = true ] || exit 0
started=$(date -d "$(docker inspect -f '{{.State.StartedAt}}' "$name")" +%s)
[ $(( $(date +%s) - started )) -ge "$PROBE_INITIAL_DELAY_SECONDS" ] || exit 0
ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")
if [ "$PROBE_TYPE" = http ]; then
  curl -fsS -o /dev/null --max-time "$PROBE_TIMEOUT_SECONDS" "http://$ip:$PROBE_PORT$PROBE_PATH"
else
  timeout "$PROBE_TIMEOUT_SECONDS" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$ip" "$PROBE_PORT"
fi
result=$?
failures=0
successes=0
if [ -f "$state" ]; then read -r failures successes < "$state"; fi
if [ "$result" -eq 0 ]; then
  successes=$((successes + 1))
  if [ "$successes" -ge "$PROBE_SUCCESS_THRESHOLD" ]; then failures=0; fi
else
  failures=$((failures + 1))
  successes=0
fi
if [ "$failures" -ge "$PROBE_FAILURE_THRESHOLD" ]; then
  logger -t ovsb-probe -p daemon.warning "$name failed $failures liveness probes in a row; restarting it"
  docker restart -t "$PROBE_STOP_TIMEOUT_SECONDS" "$name"
  failures=0
  successes=0
fi
echo "$failures $successes" > "$state"
`;

function probeUnits(container: ContainerSpec, probe: ProbeSpec): string {
  const name = awsContainerName(container.component);
  const settings = [
    `PROBE_TYPE=${probe.type}`,
    `PROBE_PORT=${probe.port}`,
    `PROBE_PATH=${shellQuote(probe.path ?? '')}`,
    `PROBE_TIMEOUT_SECONDS=${probe.timeoutSeconds}`,
    `PROBE_FAILURE_THRESHOLD=${probe.failureThreshold}`,
    `PROBE_SUCCESS_THRESHOLD=${probe.successThreshold}`,
    `PROBE_INITIAL_DELAY_SECONDS=${probe.initialDelaySeconds}`,
    `PROBE_STOP_TIMEOUT_SECONDS=${container.terminationGracePeriodSeconds}`,
  ];
  return [
    `cat > /etc/ovsb/probes/${name}.env <<'OVSB_EOF'\n${settings.join('\n')}\nOVSB_EOF`,
    `cat > /etc/systemd/system/ovsb-probe-${name}.service <<'OVSB_EOF'
[Unit]
Description=OVSB liveness probe of ${name}
After=docker.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ovsb-probe ${name}
OVSB_EOF`,
    `cat > /etc/systemd/system/ovsb-probe-${name}.timer <<'OVSB_EOF'
[Unit]
Description=OVSB liveness probe of ${name} every ${probe.periodSeconds} s

[Timer]
OnActiveSec=${probe.periodSeconds}
OnUnitActiveSec=${probe.periodSeconds}
AccuracySec=1s

[Install]
WantedBy=timers.target
OVSB_EOF`,
  ].join('\n');
}

function dataVolumeSection(): string {
  return `# Data volume: wait for the attachment, format only a blank volume (a replacement instance
# finds the previous one's chain data), mount it, and grow the filesystem if the volume grew.
for attempt in $(seq 1 120); do
  [ -b "$DATA_DEVICE" ] && break
  sleep 5
done
[ -b "$DATA_DEVICE" ] || { echo "data volume $DATA_DEVICE never appeared" >&2; exit 1; }
if [ -z "$(blkid -o value -s TYPE "$DATA_DEVICE" || true)" ]; then
  mkfs.ext4 -q -m 0 -L ovsb-data "$DATA_DEVICE"
fi
data_uuid=$(blkid -o value -s UUID "$DATA_DEVICE")
mkdir -p ${HOST_DATA_ROOT}
grep -q "UUID=$data_uuid " /etc/fstab || echo "UUID=$data_uuid ${HOST_DATA_ROOT} ext4 defaults,noatime,nofail 0 2" >> /etc/fstab
mountpoint -q ${HOST_DATA_ROOT} || mount ${HOST_DATA_ROOT}
resize2fs "$DATA_DEVICE"
`;
}

export function renderUserData(props: UserDataProps): string {
  const { containers } = props;
  const maxStop = Math.max(DEFAULT_STOP_SECONDS, ...containers.map((c) => c.terminationGracePeriodSeconds));
  const dataGi = containers.reduce((sum, c) => sum + (c.dataVolume?.sizeGi ?? 0), 0);
  const sections: string[] = [];

  sections.push(`set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q docker.io curl openssl
# Rotate container logs, and let clients flush their databases on shutdown (docker's default is 15 s).
cat > /etc/docker/daemon.json <<'OVSB_EOF'
{"log-driver": "local", "log-opts": {"max-size": "50m", "max-file": "5"}, "shutdown-timeout": ${maxStop}}
OVSB_EOF
mkdir -p /etc/systemd/system/docker.service.d
cat > /etc/systemd/system/docker.service.d/ovsb.conf <<'OVSB_EOF'
[Service]
TimeoutStopSec=${maxStop + 30}
OVSB_EOF
systemctl daemon-reload
systemctl enable docker
systemctl restart docker
`);

  if (props.dataVolumeSerial !== undefined) sections.push(dataVolumeSection());
  else sections.push(`mkdir -p ${HOST_DATA_ROOT}\n`);

  const dirs = containers.flatMap((c) => {
    if (!c.dataVolume) return [];
    const owner = String(c.runAsUser ?? 0);
    return [command(['install', '-d', '-m', '0750', '-o', owner, '-g', owner, hostDataDir(c.component, c.dataVolume.name)])];
  });
  if (dirs.length > 0) sections.push(`# Chain data directories, owned by each client's UID.\n${dirs.join('\n')}\n`);

  if (containers.some((c) => c.secretMounts.some((m) => m.source.kind === 'jwt'))) {
    sections.push(`# Engine API JWT: generated once, kept on the data volume across instance replacements.
install -d -m 0700 ${HOST_DATA_ROOT}/secrets
if [ ! -s ${HOST_JWT_FILE} ]; then
  (umask 077 && openssl rand -hex 32 > ${HOST_JWT_FILE}.new && mv ${HOST_JWT_FILE}.new ${HOST_JWT_FILE})
fi
chmod 0444 ${HOST_JWT_FILE}
`);
  }

  const externalSecrets = [
    ...new Set(
      containers.flatMap((c) =>
        c.secretMounts.flatMap((m) => (m.source.kind === 'external' ? [m.source.secretName] : [])),
      ),
    ),
  ];
  if (externalSecrets.length > 0) {
    sections.push(
      `# External secrets (validator keys): the operator places their files here; containers mount them read-only.\n${externalSecrets
        .map((name) => command(['install', '-d', '-m', '0700', hostExternalSecretDir(name)]))
        .join('\n')}\n`,
    );
  }

  sections.push(
    `docker network inspect ${AWS_DOCKER_NETWORK} >/dev/null 2>&1 || docker network create ${AWS_DOCKER_NETWORK}\n`,
  );

  for (const container of containers) {
    const name = awsContainerName(container.component);
    sections.push(
      [
        `# ${container.component}: ${container.client} ${container.version}`,
        ...initContainerRuns(container),
        `docker rm --force ${name} >/dev/null 2>&1 || true`,
        containerRun(props.instanceName, container),
      ].join('\n') + '\n',
    );
  }

  const probed = containers.filter((c) => c.liveness !== undefined);
  if (probed.length > 0) {
    sections.push(
      [
        `# Liveness probes: a systemd timer per container restarts it after repeated failures.`,
        `cat > /usr/local/sbin/ovsb-probe <<'OVSB_EOF'\n${PROBE_SCRIPT}OVSB_EOF`,
        'chmod 0755 /usr/local/sbin/ovsb-probe',
        'mkdir -p /etc/ovsb/probes',
        ...probed.map((c) => probeUnits(c, c.liveness!)),
        'systemctl daemon-reload',
        ...probed.map((c) => `systemctl enable --now ovsb-probe-${awsContainerName(c.component)}.timer`),
      ].join('\n') + '\n',
    );
  }

  const header = `#!/bin/bash
# OVSB instance ${props.instanceName} (${props.network}): ${containers
    .map((c) => `${c.client} ${c.version}`)
    .join(', ')}; data volume ${dataGi} GiB.
# Rendered from the client topology; a change replaces the instance, chain data stays on the EBS volume.
`;
  const body = sections.join('\n');
  if (props.dataVolumeSerial === undefined) return terraformLiteral(header + body);
  return `${terraformLiteral(header)}DATA_DEVICE=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${props.dataVolumeSerial}\n${terraformLiteral(body)}`;
}
