/**
 * `ovsb forks`: each offered network's scheduled forks with the time left, which plans are ready, and
 * which of the broker's instances are (read from the broker's own storage: OVSB_DATA_DIR or
 * OVSB_DATABASE_URL, as `ovsb serve` uses them). `--at` sets the clock (what-if, or tests).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config';
import { loadSecretBox } from '../crypto/keys';
import type { Instance } from '../operations/types';
import { timeUntil } from '../releases/check';
import { ForkService, type ForksOverview } from '../service/forks';
import { openStorage } from '../storage';
import { parseArgs, single } from './args';
import { loadCliCatalog } from './catalog-path';
import { UsageError, type Command } from './command';

export const forksCommand: Command = {
  name: 'forks',
  summary: "scheduled forks, time left, and which plans and instances are ready",
  usage: [
    'ovsb forks [--at <ISO time>] [--format text|json]',
    '  Each offered network\'s forks scheduled after the release data (data/releases.json) was observed:',
    '  its time and time left, from when unready plans refuse new provisions (catalog.yaml',
    '  broker.fork_window_days, default 14), which plans\' pinned releases follow it, and which live',
    '  instances run releases that do, which need an upgrade (to which maintenance_info version) and',
    '  which have no ready release pinned yet. Instances are read from the broker\'s storage',
    '  (OVSB_DATA_DIR / OVSB_DATABASE_URL, OVSB_ENCRYPTION_KEY as for `ovsb serve`).',
    '  --at     the clock to judge by (default: now)',
    '  --format text (default) or json (the body of GET /forks)',
  ].join('\n'),
  async run(args, context) {
    const parsed = parseArgs(args, { options: ['at', 'format'] });
    const at = single(parsed, 'at');
    const format = single(parsed, 'format') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got "${format}"`);
    const now = at === undefined ? new Date() : new Date(at);
    if (Number.isNaN(now.getTime())) throw new UsageError(`--at "${at}" is not a time; use e.g. 2026-12-06T12:00:00Z`);
    const catalog = loadCliCatalog(context);
    const config = loadConfig(context.env, context.cwd);
    // No broker has run here (no data dir, no database): there are no instances to read.
    const hasStorage = config.databaseUrl !== undefined || existsSync(join(config.dataDir, 'ovsb.sqlite')) || existsSync(config.dataDir);
    const storage = hasStorage ? await openStorage({ dataDir: config.dataDir, ...(config.databaseUrl !== undefined && { databaseUrl: config.databaseUrl }), secretBox: loadSecretBox({ dataDir: config.dataDir, env: context.env }) }) : undefined;
    try {
      const forks = new ForkService({ catalog, storage: storage ?? { listInstances: async (): Promise<Instance[]> => [] }, clock: () => now, maxDataAgeDays: config.dataMaxAgeDays });
      const overview = await forks.overview();
      context.stdout.write(format === 'json' ? `${JSON.stringify(overview, null, 2)}\n` : formatForks(overview));
    } finally {
      await storage?.close();
    }
    return 0;
  },
};


export function formatForks(overview: ForksOverview): string {
  const lines = [
    `Now ${overview.now}; release data observed ${overview.releaseData.observed} (its sources last changed ${overview.releaseData.changed}); unready plans refuse new provisions from ${overview.windowDays} days before a fork.`,
  ];
  for (const warning of overview.warnings) lines.push(`WARNING: ${warning}`);
  if (overview.forks.length === 0) lines.push('', 'No fork is scheduled on an offered network after the release data was observed.');
  for (const fork of overview.forks) {
    lines.push('', `${fork.network}: ${fork.fork} at ${fork.time} (epoch ${fork.epoch}), ${timeUntil(fork.secondsUntil * 1000)}`);
    lines.push(`  unready plans refuse new provisions ${fork.windowOpen ? 'since' : 'from'} ${fork.windowOpens}`);
    lines.push(`  plans: ${fork.plans.ready} ready, ${fork.plans.notReady} not ready`);
    for (const group of fork.plans.groups) {
      lines.push(`    ${group.ready ? 'ready    ' : 'NOT READY'}  ${group.releases} (${group.stackNames.length} plans)${group.reason ? `: ${group.reason}` : ''}`);
      lines.push(`               ${group.stackNames.join(', ')}`);
    }
    const i = fork.instances;
    lines.push(`  instances: ${i.ready} ready, ${i.upgradeRequired} need an upgrade, ${i.noReadyRelease} without a ready release pinned, ${i.unknown} unknown`);
    for (const instance of i.list) {
      const releases = instance.releases.map((r) => `${r.client} ${r.version}`).join(' + ') || 'releases unknown';
      const r = instance.readiness;
      const status =
        r.status === 'upgrade-required'
          ? `NEEDS UPGRADE to maintenance_info ${r.upgradeTo}`
          : r.status === 'no-ready-release'
            ? 'NOT READY: no ready release pinned in the catalog yet'
            : r.status;
      lines.push(`    ${instance.instanceId}  ${instance.stackName}  ${releases}  ${status}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
