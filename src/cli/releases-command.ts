/**
 * `ovsb releases check` and `ovsb releases refresh`: the catalog's pins against the release data, and
 * the release data brought up to date from the clients' release feeds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUNDLED_RELEASE_DATA, parseReleaseData, type ReleaseData } from '../../modules/clients/release-data';
import { packageRoot } from '../catalog/load';
import { checkPins, formatCheckReport } from '../releases/check';
import { refreshReleaseData } from '../releases/refresh';
import { parseArgs, single } from './args';
import { loadCliCatalog } from './catalog-path';
import { UsageError, type CliContext, type Command } from './command';

const bundledPath = (): string => join(packageRoot(), 'data', 'releases.json');

function readData(path: string | undefined, context: CliContext): { data: ReleaseData; path: string; comment?: unknown } {
  if (path === undefined) {
    const file = bundledPath();
    return { data: BUNDLED_RELEASE_DATA, path: file, comment: (JSON.parse(readFileSync(file, 'utf8')) as { $comment?: unknown }).$comment };
  }
  const file = resolve(context.cwd, path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--data ${path}: cannot read it as JSON (${(error as Error).message})`);
  }
  return { data: parseReleaseData(json, file), path: file, comment: (json as { $comment?: unknown }).$comment };
}

export const releasesCommand: Command = {
  name: 'releases',
  summary: 'check pinned client releases against the release data (check), or refresh the data (refresh)',
  usage: [
    'ovsb releases check [--data FILE] [--at <ISO time>] [--format text|json]',
    '  Compares the catalog\'s pinned releases (OVSB_CATALOG or the bundled catalog.yaml) with the release',
    '  data (data/releases.json, or --data): security releases the pins miss, pins that do not follow a',
    '  fork scheduled on a network they are offered on, pins that schedule a cancelled date, flags the',
    '  broker passes that the pinned release removed (urgent) or deprecated, newer releases.',
    '  Exit 1 when anything is urgent, 0 when nothing is, 2 for a usage error: run it from a scheduled CI job.',
    '',
    'ovsb releases refresh [--data FILE] [--out FILE] [--api-url URL]',
    '  Adds the releases each client published since, from its GitHub releases feed (GITHUB_TOKEN is sent',
    '  when set), marks security and urgency from the notes, and sets observed to today; lists the new',
    '  releases whose notes name a fork or network, for a person to record what they schedule.',
    '  Writes --out (default: the file read). Exit 1 when a feed failed (the rest is still written).',
  ].join('\n'),
  async run(args, context) {
    const [sub, ...rest] = args;
    if (sub === 'check') return check(rest, context);
    if (sub === 'refresh') return refresh(rest, context);
    throw new UsageError(sub === undefined ? 'name a subcommand: check or refresh' : `unknown subcommand "${sub}"; use check or refresh`);
  },
};

async function check(args: readonly string[], context: CliContext): Promise<number> {
  const parsed = parseArgs(args, { options: ['data', 'at', 'format'] });
  const format = single(parsed, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got "${format}"`);
  const at = single(parsed, 'at');
  const now = at === undefined ? new Date() : new Date(at);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--at "${at}" is not a time; use e.g. 2026-12-06T12:00:00Z`);
  const { data } = readData(single(parsed, 'data'), context);
  const report = checkPins(loadCliCatalog(context), data, now);
  context.stdout.write(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatCheckReport(report));
  return report.urgent > 0 ? 1 : 0;
}

async function refresh(args: readonly string[], context: CliContext): Promise<number> {
  const parsed = parseArgs(args, { options: ['data', 'out', 'api-url'] });
  const { data, path, comment } = readData(single(parsed, 'data'), context);
  const out = single(parsed, 'out');
  const target = out === undefined ? path : resolve(context.cwd, out);
  const apiUrl = single(parsed, 'api-url');
  const token = context.env['GITHUB_TOKEN'];
  const report = await refreshReleaseData(data, {
    fetch: (url, init) => fetch(url, init),
    now: new Date(),
    ...(apiUrl !== undefined && { apiUrl }),
    ...(token !== undefined && token !== '' && { token }),
  });
  writeFileSync(target, `${JSON.stringify({ ...(comment !== undefined && { $comment: comment }), ...report.data }, null, 2)}\n`);
  let failed = 0;
  for (const client of report.clients) {
    if (client.error !== undefined) {
      failed++;
      context.stderr.write(`ovsb: ${client.client}: ${client.error}\n`);
    } else if (client.added.length > 0) {
      context.stdout.write(`${client.client}: added ${client.added.map((r) => `${r.version} (${r.date ?? 'undated'}${r.security ? ', security' : ''}${r.urgency ? `, ${r.urgency} urgency` : ''})`).join(', ')}\n`);
    }
    for (const line of client.toReview) context.stdout.write(`  review what it schedules: ${line}\n`);
  }
  context.stdout.write(`Wrote ${target} (observed ${report.data.observed}).\n`);
  return failed > 0 ? 1 : 0;
}
