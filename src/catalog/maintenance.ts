import type { MaintenanceInfo, OfferedClient } from './model';

const RELEASE = /(\d+)\.(\d+)(?:\.(\d+))?/;

/**
 * The plan's maintenance_info, derived from its client versions.
 *
 * Version = the component-wise sum of the clients' (major, minor, patch). Upgrading any client raises
 * its triple lexicographically, and a sum of lexicographically positive changes is positive, so the
 * plan's version moves forward with every upgrade (several at once included) and platforms see an
 * update as available. Build metadata names each client and version for humans; semver ignores it
 * when comparing.
 */
export function maintenanceInfo(clients: readonly OfferedClient[]): MaintenanceInfo {
  const sum = [0, 0, 0];
  for (const { client, version } of clients) {
    const match = RELEASE.exec(version);
    if (!match) throw new TypeError(`${client} version "${version}" has no major.minor release number`);
    sum[0]! += Number(match[1]);
    sum[1]! += Number(match[2]);
    sum[2]! += Number(match[3] ?? 0);
  }
  const build = clients.map(({ client, version }) => `${client}-${version}`.replace(/[^0-9A-Za-z-]/g, '-')).join('.');
  const names = clients.map(({ client, version }) => `${client} ${version}`).join(', ');
  return {
    version: `${sum.join('.')}+${build}`,
    description: `Runs ${names}. A new version here means a client upgrade: applying it restarts the containers with the new images; chain data is kept.`,
  };
}
