/**
 * The EC2 user data: a bash script rendered from the topology, byte-for-byte the same for the
 * same topology. cloud-init runs it once per instance; the stack replaces the instance when the
 * script changes, and chain data survives on the separate EBS volume.
 *
 * What it sets up, then leaves to systemd (it never waits on a client):
 * - docker (Ubuntu's docker.io), made to wait for the data volume (`RequiresMountsFor`), and the data
 *   volume itself (formatted only when blank), data directories owned by each client's UID, and the
 *   Engine API JWT, generated on the volume if absent;
 * - one unit per container, `ovsb-<component>.service`, enabled for every boot and started without
 *   blocking: it fetches the validator keys from AWS Secrets Manager (when the topology names a secret),
 *   pulls the images, runs the init containers (key import, checkpoint sync) and starts the container.
 *   Any failure (registry down, secret not readable yet) is retried by systemd every 30 s. Units start
 *   in dependency order: MEV-Boost, then the execution client, the beacon node and the validator;
 * - per container a liveness prober (a systemd timer that restarts the container after repeated
 *   failures) and a readiness prober (a timer that records ready / not ready in /run/ovsb/ready/<name>
 *   and logs every change; with app_start_timeout_sec it logs a container still not ready that long
 *   after it started). Docker's own HEALTHCHECK runs inside the image, and client images do not all
 *   ship curl. Nothing routes traffic on one host, so readiness takes no traffic away.
 */
import type { Component, ContainerSpec, Network, ProbeSpec } from '../clients/types';
import { terraformLiteral } from '../sandbox/builtins';
import { ConfigError } from '../errors';
import { cpuCores, memoryBytes } from './quantity';
import {
  AWS_DOCKER_NETWORK,
  HOST_DATA_ROOT,
  HOST_JWT_FILE,
  awsContainerName,
  hostAwsSecretDir,
  hostDataDir,
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
  /**
   * Readiness app_start_timeout_sec: a container not ready this long after it started is logged as failed.
   * @default none: not-ready containers are recorded and logged, never reported as failed
   */
  readonly readinessStartTimeoutSeconds?: number;
}

/** Docker's own stop timeout is 10 s and the daemon's shutdown timeout 15 s; ELs need minutes. */
const DEFAULT_STOP_SECONDS = 30;
/** Seconds systemd waits before running a failed container unit again. */
export const UNIT_RETRY_SECONDS = 30;
/** Components start in this order: each unit starts after those before it (MEV-Boost before the validator). */
const START_ORDER: readonly Component[] = ['mev-boost', 'web3signer', 'execution', 'beacon', 'validator'];

const RUN_DIR = '/etc/ovsb/run';
const READY_DIR = '/run/ovsb/ready';

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

/** The secret an AWS container mounts; a Kubernetes Secret cannot reach a plain host. */
function awsSecretOf(container: ContainerSpec): string | undefined {
  for (const mount of container.secretMounts) {
    if (mount.source.kind === 'external') {
      throw new ConfigError(
        'aws target',
        `containers[${container.component}].secretMounts`,
        `the Kubernetes Secret "${mount.source.secretName}" cannot be mounted on an EC2 host; reference the key set as an AWS Secrets Manager secret (name or ARN)`,
      );
    }
  }
  const mount = container.secretMounts.find((m) => m.source.kind === 'aws-secret');
  return mount?.source.kind === 'aws-secret' ? mount.source.secretId : undefined;
}

/** The AWS Secrets Manager secrets the topology reads (validator keys). */
export function awsSecretsOf(containers: readonly ContainerSpec[]): string[] {
  return [...new Set(containers.flatMap((c) => c.secretMounts.flatMap((m) => (m.source.kind === 'aws-secret' ? [m.source.secretId] : []))))];
}

function volumeFlags(container: ContainerSpec): string[][] {
  const flags: string[][] = [];
  if (container.dataVolume) {
    flags.push(['--volume', `${hostDataDir(container.component, container.dataVolume.name)}:${container.dataVolume.mountPath}`]);
  }
  for (const mount of container.secretMounts) {
    const hostPath = mount.source.kind === 'aws-secret' ? hostAwsSecretDir(mount.source.secretId) : HOST_JWT_FILE;
    flags.push(['--volume', `${hostPath}:${mount.mountPath}:ro`]);
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
 * The script `ovsb-<component>.service` runs: keys, pulls, init containers, then the container. It
 * starts from scratch every time (systemd runs it again after a failure, and at every boot), like a
 * Kubernetes pod whose init containers run on every start.
 */
export function runScript(instanceName: string, container: ContainerSpec): string {
  const name = awsContainerName(container.component);
  const secret = awsSecretOf(container);
  const images = [...new Set([...container.initContainers.map((init) => init.image), container.image])];
  const lines = [
    '#!/bin/bash',
    `# OVSB ${instanceName}, ${container.component}: ${container.client} ${container.version}. Run by ovsb-${name}.service,`,
    `# again ${UNIT_RETRY_SECONDS} s after any failure (image pull, key fetch or import) until it succeeds.`,
    'set -euo pipefail',
  ];
  if (secret !== undefined) {
    lines.push(command(['/usr/local/sbin/ovsb-fetch-secret', secret, hostAwsSecretDir(secret), String(container.runAsUser ?? 0)]));
  }
  lines.push(...images.map((image) => command(['/usr/local/sbin/ovsb-pull', image])));
  for (const init of container.initContainers) {
    const initName = `${name}-${init.name}`;
    lines.push(
      `docker rm --force ${shellQuote(initName)} >/dev/null 2>&1 || true`,
      multiline([
        ['docker', 'run', '--rm'],
        ['--name', initName],
        ['--network', AWS_DOCKER_NETWORK],
        ...userFlag(container),
        ...volumeFlags(container),
        ...entrypoint(init.command, init.image, init.args),
      ]),
    );
  }
  lines.push(
    // At boot docker has already restarted the container: stop it cleanly (ELs flush state) before replacing it.
    `docker stop --time ${container.terminationGracePeriodSeconds} ${shellQuote(name)} >/dev/null 2>&1 || true`,
    `docker rm --force ${shellQuote(name)} >/dev/null 2>&1 || true`,
    containerRun(instanceName, container),
  );
  return lines.join('\n') + '\n';
}

/** The unit of one container; `after` are the units of the components that start before it. */
export function containerUnit(container: ContainerSpec, after: readonly string[], dataVolume: boolean): string {
  const name = awsContainerName(container.component);
  return `[Unit]
Description=OVSB ${container.component}: ${container.client} ${container.version}
Wants=network-online.target
After=network-online.target docker.service${after.map((unit) => ` ${unit}`).join('')}
Requires=docker.service
${dataVolume ? `RequiresMountsFor=${HOST_DATA_ROOT}\n` : ''}StartLimitIntervalSec=0

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${RUN_DIR}/${name}.sh
Restart=on-failure
RestartSec=${UNIT_RETRY_SECONDS}
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
`;
}

/**
 * Pulls an image, retrying with a growing pause: registries rate-limit and networks blip. Tags are pinned
 * releases, so an image already on the host is used as it is (a reboot needs no registry).
 */
export const PULL_SCRIPT = `#!/bin/bash
set -u
image=$1
backoff=\${OVSB_PULL_BACKOFF_SECONDS:-10}
docker image inspect "$image" >/dev/null 2>&1 && exit 0
for attempt in 1 2 3 4 5; do
  docker pull --quiet "$image" && exit 0
  echo "pull of $image failed (attempt $attempt of 5)" >&2
  [ "$attempt" -lt 5 ] && sleep $((attempt * backoff))
done
exit 1
`;

/**
 * Writes an AWS Secrets Manager secret's files into a directory, with the instance role's credentials.
 * The SecretString is a JSON object of file name -> content (EIP-2335 keystores and password.txt, the
 * layout of the Kubernetes Secret on that target). Nothing of the content is ever printed.
 */
export const FETCH_SECRET_SCRIPT = `#!/usr/bin/python3
import json, os, sys, urllib.request
import boto3

secret_id, target, uid = sys.argv[1], sys.argv[2], int(sys.argv[3])

def region():
    if secret_id.startswith('arn:'):
        return secret_id.split(':')[3]
    imds = 'http://169.254.169.254/latest'
    token = urllib.request.urlopen(urllib.request.Request(imds + '/api/token', method='PUT', headers={'X-aws-ec2-metadata-token-ttl-seconds': '60'}), timeout=5).read().decode()
    request = urllib.request.Request(imds + '/meta-data/placement/region', headers={'X-aws-ec2-metadata-token': token})
    return urllib.request.urlopen(request, timeout=5).read().decode()

value = boto3.client('secretsmanager', region_name=region()).get_secret_value(SecretId=secret_id)
try:
    files = json.loads(value.get('SecretString') or '')
except ValueError:
    files = None
if not isinstance(files, dict) or not files:
    sys.exit(f'secret {secret_id}: SecretString must be a JSON object of file name -> content (keystore-*.json, password.txt)')
for name, content in files.items():
    if not isinstance(content, str) or name in ('', '.', '..') or '/' in name:
        sys.exit(f'secret {secret_id}: entry {name!r} must be a plain file name with text content')
os.makedirs(target, mode=0o700, exist_ok=True)
for old in os.listdir(target):
    os.remove(os.path.join(target, old))
for name, content in files.items():
    path = os.path.join(target, name)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400), 'w') as out:
        out.write(content)
    os.chown(path, uid, uid)
os.chown(target, uid, uid)
os.chmod(target, 0o500)
print(f'secret {secret_id}: wrote {len(files)} files to {target}')
`;

/**
 * The prober the timers run: `ovsb-probe <container> [liveness|readiness]`, settings from
 * /etc/ovsb/probes/<container>.env (liveness) or <container>.readiness.env. The directories and the log
 * can be moved by environment so the logic can be exercised off-host.
 */
export const PROBE_SCRIPT = `#!/bin/bash
# Liveness (the default): after PROBE_FAILURE_THRESHOLD failures in a row the container is restarted;
# PROBE_SUCCESS_THRESHOLD successes in a row clear earlier failures.
# Readiness: nothing is restarted. PROBE_SUCCESS_THRESHOLD successes in a row mark the container ready,
# PROBE_FAILURE_THRESHOLD failures not ready, in $ready_dir/<container>; every change is logged. With
# PROBE_START_TIMEOUT_SECONDS, a container not ready that long after it started is logged as failed.
set -u
name=$1
kind=\${2:-liveness}
config_dir=\${OVSB_PROBE_CONFIG_DIR:-/etc/ovsb/probes}
if [ "$kind" = readiness ]; then . "$config_dir/$name.readiness.env"; else . "$config_dir/$name.env"; fi
state_dir=\${OVSB_PROBE_STATE_DIR:-/run/ovsb-probe}
ready_dir=\${OVSB_READY_DIR:-${READY_DIR}}
mkdir -p "$state_dir"
log() {
  if [ -n "\${OVSB_PROBE_LOG:-}" ]; then echo "$2" >> "$OVSB_PROBE_LOG"; else logger -t "ovsb-$kind" -p "$1" "$2"; fi
}
running=$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null) || running=false
if [ "$running" != true ]; then
  if [ "$kind" = readiness ]; then mkdir -p "$ready_dir"; echo not-ready > "$ready_dir/$name"; fi
  exit 0
fi
started_at=$(docker inspect -f '{{.State.StartedAt}}' "$name")
up=$(( $(date +%s) - $(date -d "$started_at" +%s) ))
[ "$up" -ge "$PROBE_INITIAL_DELAY_SECONDS" ] || exit 0
ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")
if [ "$PROBE_TYPE" = http ]; then
  curl -fsS -o /dev/null --max-time "$PROBE_TIMEOUT_SECONDS" "http://$ip:$PROBE_PORT$PROBE_PATH"
else
  timeout "$PROBE_TIMEOUT_SECONDS" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$ip" "$PROBE_PORT"
fi
result=$?
failures=0
successes=0
if [ "$kind" = readiness ]; then
  state="$state_dir/$name.readiness"
  ready=no
  warned=0
  seen=
  if [ -f "$state" ]; then read -r failures successes ready warned seen < "$state"; fi
  # A restarted container starts over: not ready until its checks pass again.
  if [ "$seen" != "$started_at" ]; then failures=0; successes=0; ready=no; warned=0; fi
  if [ "$result" -eq 0 ]; then
    successes=$((successes + 1))
    failures=0
    if [ "$successes" -ge "$PROBE_SUCCESS_THRESHOLD" ] && [ "$ready" != yes ]; then
      ready=yes
      log daemon.notice "$name is ready"
    fi
  else
    failures=$((failures + 1))
    successes=0
    if [ "$failures" -ge "$PROBE_FAILURE_THRESHOLD" ] && [ "$ready" = yes ]; then
      ready=no
      log daemon.warning "$name is not ready: $failures readiness checks failed in a row"
    fi
  fi
  if [ "$ready" != yes ] && [ -n "\${PROBE_START_TIMEOUT_SECONDS:-}" ] && [ "$up" -ge "$PROBE_START_TIMEOUT_SECONDS" ] && [ "$warned" = 0 ]; then
    log daemon.err "$name is not ready $up s after it started (app_start_timeout_sec $PROBE_START_TIMEOUT_SECONDS): the start failed"
    warned=1
  fi
  mkdir -p "$ready_dir"
  if [ "$ready" = yes ]; then echo ready > "$ready_dir/$name"; else echo not-ready > "$ready_dir/$name"; fi
  echo "$failures $successes $ready $warned $started_at" > "$state"
  exit 0
fi
state="$state_dir/$name"
if [ -f "$state" ]; then read -r failures successes < "$state"; fi
if [ "$result" -eq 0 ]; then
  successes=$((successes + 1))
  if [ "$successes" -ge "$PROBE_SUCCESS_THRESHOLD" ]; then failures=0; fi
else
  failures=$((failures + 1))
  successes=0
fi
if [ "$failures" -ge "$PROBE_FAILURE_THRESHOLD" ]; then
  log daemon.warning "$name failed $failures liveness probes in a row; restarting it"
  docker restart -t "$PROBE_STOP_TIMEOUT_SECONDS" "$name"
  failures=0
  successes=0
fi
echo "$failures $successes" > "$state"
`;

type ProbeKind = 'liveness' | 'readiness';

function probeUnits(container: ContainerSpec, probe: ProbeSpec, kind: ProbeKind, startTimeoutSeconds: number | undefined): string {
  const name = awsContainerName(container.component);
  const unit = kind === 'liveness' ? `ovsb-probe-${name}` : `ovsb-ready-${name}`;
  const settings = [
    `PROBE_TYPE=${probe.type}`,
    `PROBE_PORT=${probe.port}`,
    `PROBE_PATH=${shellQuote(probe.path ?? '')}`,
    `PROBE_TIMEOUT_SECONDS=${probe.timeoutSeconds}`,
    `PROBE_FAILURE_THRESHOLD=${probe.failureThreshold}`,
    `PROBE_SUCCESS_THRESHOLD=${probe.successThreshold}`,
    `PROBE_INITIAL_DELAY_SECONDS=${probe.initialDelaySeconds}`,
    ...(kind === 'liveness'
      ? [`PROBE_STOP_TIMEOUT_SECONDS=${container.terminationGracePeriodSeconds}`]
      : [`PROBE_START_TIMEOUT_SECONDS=${startTimeoutSeconds ?? ''}`]),
  ];
  const envFile = kind === 'liveness' ? `${name}.env` : `${name}.readiness.env`;
  return [
    `cat > /etc/ovsb/probes/${envFile} <<'OVSB_EOF'\n${settings.join('\n')}\nOVSB_EOF`,
    `cat > /etc/systemd/system/${unit}.service <<'OVSB_EOF'
[Unit]
Description=OVSB ${kind} probe of ${name}
After=docker.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ovsb-probe ${name}${kind === 'readiness' ? ' readiness' : ''}
OVSB_EOF`,
    `cat > /etc/systemd/system/${unit}.timer <<'OVSB_EOF'
[Unit]
Description=OVSB ${kind} probe of ${name} every ${probe.periodSeconds} s

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
systemctl daemon-reload
mountpoint -q ${HOST_DATA_ROOT} || mount ${HOST_DATA_ROOT}
resize2fs "$DATA_DEVICE"
`;
}

/** Containers in start order; each with the units it starts after. */
function startOrder(containers: readonly ContainerSpec[]): { container: ContainerSpec; after: string[] }[] {
  const rank = (c: ContainerSpec) => START_ORDER.indexOf(c.component);
  const ordered = [...containers].sort((a, b) => rank(a) - rank(b));
  return ordered.map((container, index) => ({
    container,
    after: ordered.slice(0, index).map((earlier) => `ovsb-${awsContainerName(earlier.component)}.service`),
  }));
}

export function renderUserData(props: UserDataProps): string {
  const { containers } = props;
  const maxStop = Math.max(DEFAULT_STOP_SECONDS, ...containers.map((c) => c.terminationGracePeriodSeconds));
  const dataGi = containers.reduce((sum, c) => sum + (c.dataVolume?.sizeGi ?? 0), 0);
  const dataVolume = props.dataVolumeSerial !== undefined;
  const secrets = awsSecretsOf(containers);
  const packages = ['docker.io', 'curl', 'openssl', ...(secrets.length > 0 ? ['python3-boto3'] : [])];
  const sections: string[] = [];

  sections.push(`set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# Mirrors blip: retry the package install a few times before giving up.
for attempt in 1 2 3 4 5; do
  apt-get update -q && apt-get install -y -q ${packages.join(' ')} && break
  [ "$attempt" -lt 5 ] || exit 1
  sleep $((attempt * 15))
done
`);

  if (dataVolume) sections.push(dataVolumeSection());
  else sections.push(`mkdir -p ${HOST_DATA_ROOT}\n`);

  sections.push(`# Rotate container logs, and let clients flush their databases on shutdown (docker's default is 15 s).
cat > /etc/docker/daemon.json <<'OVSB_EOF'
{"log-driver": "local", "log-opts": {"max-size": "50m", "max-file": "5"}, "shutdown-timeout": ${maxStop}}
OVSB_EOF
mkdir -p /etc/systemd/system/docker.service.d
cat > /etc/systemd/system/docker.service.d/ovsb.conf <<'OVSB_EOF'
${dataVolume ? `[Unit]\n# Never start the clients on the root volume when the data volume is missing.\nRequiresMountsFor=${HOST_DATA_ROOT}\n\n` : ''}[Service]
TimeoutStopSec=${maxStop + 30}
OVSB_EOF
systemctl daemon-reload
systemctl enable docker
systemctl restart docker
`);

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

  const helpers = [`cat > /usr/local/sbin/ovsb-pull <<'OVSB_EOF'\n${PULL_SCRIPT}OVSB_EOF`, 'chmod 0755 /usr/local/sbin/ovsb-pull'];
  if (secrets.length > 0) {
    helpers.push(
      `# Validator keys come from AWS Secrets Manager through the instance role, at every boot, onto tmpfs.`,
      `cat > /usr/local/sbin/ovsb-fetch-secret <<'OVSB_EOF'\n${FETCH_SECRET_SCRIPT}OVSB_EOF`,
      'chmod 0755 /usr/local/sbin/ovsb-fetch-secret',
    );
  }
  sections.push(helpers.join('\n') + '\n');

  sections.push(
    `docker network inspect ${AWS_DOCKER_NETWORK} >/dev/null 2>&1 || docker network create ${AWS_DOCKER_NETWORK}\n`,
  );

  const ordered = startOrder(containers);
  const units = ordered.map(({ container }) => `ovsb-${awsContainerName(container.component)}.service`);
  sections.push(
    [
      `# One unit per container, retried by systemd until it runs; started without waiting for them.`,
      `mkdir -p ${RUN_DIR}`,
      ...ordered.flatMap(({ container, after }) => {
        const name = awsContainerName(container.component);
        return [
          `# ${container.component}: ${container.client} ${container.version}`,
          `cat > ${RUN_DIR}/${name}.sh <<'OVSB_EOF'\n${runScript(props.instanceName, container)}OVSB_EOF`,
          `chmod 0755 ${RUN_DIR}/${name}.sh`,
          `cat > /etc/systemd/system/ovsb-${name}.service <<'OVSB_EOF'\n${containerUnit(container, after, dataVolume)}OVSB_EOF`,
        ];
      }),
      'systemctl daemon-reload',
      `systemctl enable ${units.join(' ')}`,
      `systemctl start --no-block ${units.join(' ')}`,
    ].join('\n') + '\n',
  );

  const probes = containers.flatMap((c) => [
    ...(c.liveness ? [probeUnits(c, c.liveness, 'liveness', undefined)] : []),
    ...(c.readiness ? [probeUnits(c, c.readiness, 'readiness', props.readinessStartTimeoutSeconds)] : []),
  ]);
  const timers = containers.flatMap((c) => {
    const name = awsContainerName(c.component);
    return [...(c.liveness ? [`ovsb-probe-${name}.timer`] : []), ...(c.readiness ? [`ovsb-ready-${name}.timer`] : [])];
  });
  if (probes.length > 0) {
    sections.push(
      [
        `# Probes: a liveness timer per container restarts it after repeated failures; a readiness timer records and logs its readiness.`,
        `cat > /usr/local/sbin/ovsb-probe <<'OVSB_EOF'\n${PROBE_SCRIPT}OVSB_EOF`,
        'chmod 0755 /usr/local/sbin/ovsb-probe',
        'mkdir -p /etc/ovsb/probes',
        ...probes,
        'systemctl daemon-reload',
        `systemctl enable --now ${timers.join(' ')}`,
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
