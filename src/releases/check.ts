/**
 * `ovsb releases check`: the catalog's pinned releases against the release data. Findings, most urgent
 * first:
 * - urgent: a newer release fixes a vulnerability (or is labelled critical/high urgency) and the pin
 *   misses it; a pin does not follow a fork scheduled on a network the catalog offers it on; a pin
 *   schedules a cancelled date; the broker starts a client with a flag its pinned release removed;
 * - warning: a flag the pinned release deprecated (the next bump may crash-loop on it); a newer release
 *   that schedules a cancelled date (do not bump to it);
 * - info: newer releases.
 * Pure: the catalog, the data and the clock are arguments.
 */
import { compareReleases, forkOffOf, isAtLeast, releaseNumber } from '../../modules/clients/forks';
import { buildNodeTopology } from '../../modules/clients/topology';
import type { KnownRelease, ReleaseClient, ReleaseData } from '../../modules/clients/release-data';
import type { Component, Network } from '../../modules/clients/types';
import { targetHostOf } from '../../stacks/target';
import type { Catalog } from '../catalog/catalog';
import type { NodePlan } from '../catalog/model';
import { instanceNameFor, resolveNodeStackProps } from '../topology';
import { checkReleases, describeBlockers, describeFork, planReleases, scheduledForks } from './readiness';

export type FindingLevel = 'urgent' | 'warning' | 'info';

export interface Finding {
  readonly level: FindingLevel;
  readonly kind: 'security' | 'fork' | 'forks-off' | 'flag-removed' | 'flag-deprecated' | 'avoid' | 'newer';
  readonly client: ReleaseClient;
  readonly pinned: string;
  readonly message: string;
  /** @default none */
  readonly source?: string;
}

export interface CheckReport {
  readonly checkedAt: string;
  readonly dataObserved: string;
  readonly pins: readonly { readonly client: ReleaseClient; readonly version: string; readonly networks: readonly Network[] }[];
  readonly findings: readonly Finding[];
  readonly urgent: number;
}

const LEVEL_ORDER: Readonly<Record<FindingLevel, number>> = { urgent: 0, warning: 1, info: 2 };

const newer = (release: KnownRelease, pinned: string): boolean => {
  const a = releaseNumber(release.version);
  const b = releaseNumber(pinned);
  return a !== undefined && b !== undefined && !a.prerelease && compareReleases(a, b) > 0;
};

/** Each pinned client with the networks its plans run on. */
function pinsOf(catalog: Catalog): Map<ReleaseClient, { version: string; networks: Set<Network> }> {
  const pins = new Map<ReleaseClient, { version: string; networks: Set<Network> }>();
  for (const plan of catalog.plans) {
    for (const release of planReleases(plan)) {
      const entry = pins.get(release.client) ?? { version: release.version, networks: new Set<Network>() };
      entry.networks.add(plan.network);
      pins.set(release.client, entry);
    }
    if (plan.kind === 'node' && plan.mevBoost) {
      const entry = pins.get('mev-boost') ?? { version: plan.mevBoost.version, networks: new Set<Network>() };
      entry.networks.add(plan.network);
      pins.set('mev-boost', entry);
    }
  }
  return pins;
}

/**
 * The flags each client is started with, from the containers the broker really synthesises: one
 * validator plan (with MEV-Boost where the network has it) and one RPC plan per pair and network.
 */
export function flagsInUse(catalog: Catalog): Map<ReleaseClient, Set<string>> {
  const flags = new Map<ReleaseClient, Set<string>>();
  const add = (client: ReleaseClient, args: readonly string[]) => {
    const set = flags.get(client) ?? new Set<string>();
    for (const arg of args) {
      const match = /^(--?[A-Za-z][A-Za-z0-9.-]*)/.exec(arg);
      if (match) set.add(match[1]!);
    }
    flags.set(client, set);
  };
  const seen = new Set<string>();
  const representative = catalog.plans.filter((plan): plan is NodePlan => {
    if (plan.kind !== 'node' || plan.target !== 'sandbox' || plan.lido) return false;
    const key = `${plan.serviceId}/${plan.network}/${plan.role}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  for (const plan of representative) {
    const props = resolveNodeStackProps(catalog, plan, catalog.exampleParameters(plan), { instanceName: instanceNameFor(plan.id) });
    const topology = buildNodeTopology(props, targetHostOf(props));
    const owner = (component: Component): ReleaseClient | undefined =>
      component === 'execution' ? plan.execution.client : component === 'beacon' || component === 'validator' ? plan.consensus.client : component === 'mev-boost' ? 'mev-boost' : undefined;
    for (const container of topology.containers) {
      const client = owner(container.component);
      if (client !== undefined) add(client, [...container.command, ...container.args]);
    }
  }
  return flags;
}

export function checkPins(catalog: Catalog, data: ReleaseData, now: Date): CheckReport {
  const pins = pinsOf(catalog);
  const used = flagsInUse(catalog);
  const findings: Finding[] = [];
  for (const [client, { version, networks }] of pins) {
    const info = data.clients[client];
    const finding = (f: Omit<Finding, 'client' | 'pinned'>) => findings.push({ client, pinned: version, ...f });
    const later = info.releases.filter((r) => newer(r, version)).sort((a, b) => compareReleases(releaseNumber(b.version)!, releaseNumber(a.version)!));

    for (const release of later.filter((r) => r.security || r.urgency === 'critical' || r.urgency === 'high')) {
      const why = release.security ? 'fixes a vulnerability' : `is a ${release.urgency}-urgency release`;
      finding({ level: 'urgent', kind: 'security', message: `${client} ${release.version} (${release.date ?? 'date unknown'}) ${why}${release.note ? `: ${release.note}` : ''}; the pin ${version} misses it`, source: release.source });
    }
    for (const network of [...networks].sort()) {
      const off = client === 'mev-boost' ? undefined : forkOffOf(client, version, network, data);
      if (off) finding({ level: 'urgent', kind: 'forks-off', message: `${client} ${version} schedules ${off.fork} on ${network} at a cancelled date and forks off there; pin ${off.fixedIn} or later`, source: off.source });
      for (const fork of scheduledForks(network, data)) {
        const check = checkReleases([{ client, version }], fork, data);
        if (check.ready) continue;
        const when = timeUntil(Date.parse(fork.activation.time) - now.getTime());
        finding({ level: 'urgent', kind: 'fork', message: `${describeFork(fork)}, ${when}: ${describeBlockers(check.blockers)}`, source: fork.activation.source });
      }
      for (const release of later) {
        const bad = client === 'mev-boost' ? undefined : forkOffOf(client, release.version, network, data);
        if (bad) finding({ level: 'warning', kind: 'avoid', message: `do not bump to ${client} ${release.version}: it schedules ${bad.fork} on ${network} at a cancelled date (fixed in ${bad.fixedIn})`, source: bad.source });
      }
    }
    for (const change of info.flags ?? []) {
      if (!used.get(client)?.has(change.flag)) continue;
      const applies = isAtLeast(version, change.since);
      if (change.status === 'removed' && applies) {
        finding({ level: 'urgent', kind: 'flag-removed', message: `${client} ${version} no longer accepts ${change.flag} (removed in ${change.since}) and the broker passes it: the client will not start${change.note ? `; ${change.note}` : ''}`, source: change.source });
      } else if (change.status === 'removed') {
        finding({ level: 'warning', kind: 'flag-removed', message: `${client} ${change.since} removes ${change.flag}, which the broker passes: drop it before bumping to ${change.since}${change.note ? `; ${change.note}` : ''}`, source: change.source });
      } else if (applies) {
        finding({ level: 'warning', kind: 'flag-deprecated', message: `${client} ${version} deprecates ${change.flag} (since ${change.since}), which the broker passes: drop it before a release removes it${change.note ? `; ${change.note}` : ''}`, source: change.source });
      }
    }
    const newest = later[0];
    if (newest) finding({ level: 'info', kind: 'newer', message: `${client} ${newest.version} (${newest.date ?? 'date unknown'}) is the newest known release; pinned ${version}`, source: newest.source });
  }
  findings.sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || a.client.localeCompare(b.client));
  return {
    checkedAt: now.toISOString(),
    dataObserved: data.observed,
    pins: [...pins].map(([client, { version, networks }]) => ({ client, version, networks: [...networks].sort() })),
    findings,
    urgent: findings.filter((f) => f.level === 'urgent').length,
  };
}

/** `in 9 days 7 hours`, or `activated 2 days ago`. */
export function timeUntil(ms: number): string {
  if (ms <= 0) return `activated ${Math.floor(-ms / 86_400_000)} days ago`;
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  return days > 0 ? `in ${days} days ${hours} hours` : `in ${hours} hours ${Math.floor((ms % 3_600_000) / 60_000)} minutes`;
}

/** The first address in a source, for one-line output (the JSON format keeps the whole source). */
const firstAddress = (source: string): string => /https?:\/\/\S+[^\s,;)']/.exec(source)?.[0] ?? source;

export function formatCheckReport(report: CheckReport): string {
  const lines = [`Release check at ${report.checkedAt} against release data observed ${report.dataObserved}: ${report.urgent} urgent, ${report.findings.length - report.urgent} other.`];
  for (const f of report.findings) lines.push(`${f.level.toUpperCase().padEnd(7)} ${f.client} ${f.pinned}: ${f.message}${f.source ? `\n        source: ${firstAddress(f.source)}` : ''}`);
  if (report.findings.length === 0) lines.push('Every pin is current and follows every scheduled fork.');
  return `${lines.join('\n')}\n`;
}
