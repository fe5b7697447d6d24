/**
 * What a client version bump means for the forks and security releases in the release data, so a
 * reviewer sees it next to the bump: `now schedules Glamsterdam (Amsterdam/Gloas) on hoodi (2026-12-15T19:12:24Z)`,
 * `no longer schedules ...` (the node would fork off), `schedules a date hoodi cancelled`, `takes in
 * security release v1.16.8`. Images are matched to clients by repository (a mirror's path ends with it).
 */
import { compareReleases, forkOffOf, releaseNumber } from '../../modules/clients/forks';
import { CONSENSUS, EXECUTION, MEV_BOOST } from '../../modules/clients/index';
import { type ReleaseClient, type ReleaseData } from '../../modules/clients/release-data';
import { NETWORKS } from '../../modules/clients/types';
import { checkReleases, scheduledForks } from '../releases/readiness';

function repositories(): [string, ReleaseClient][] {
  const out: [string, ReleaseClient][] = [[MEV_BOOST.imageRepository, 'mev-boost']];
  for (const el of Object.values(EXECUTION)) out.push([el.imageRepository, el.name]);
  for (const cl of Object.values(CONSENSUS)) {
    out.push([cl.imageRepository, cl.name]);
    if (cl.validatorClient.runs === 'separate') out.push([cl.validatorClient.imageRepository, cl.name]);
  }
  return out;
}

/** The client an image repository holds, if it is one of ours (also behind a registry mirror). */
export function clientOfRepository(repository: string): ReleaseClient | undefined {
  return repositories().find(([known]) => repository === known || repository.endsWith(`/${known}`))?.[1];
}

/** Fork and security facts of bumping `client` from `before` to `after`; undefined when there are none. */
export function bumpNote(repository: string, before: string, after: string, data: ReleaseData): string | undefined {
  const client = clientOfRepository(repository);
  const from = releaseNumber(before);
  const to = releaseNumber(after);
  if (client === undefined || from === undefined || to === undefined) return undefined;
  const notes: string[] = [];
  for (const network of NETWORKS) {
    for (const fork of scheduledForks(network, data)) {
      const was = checkReleases([{ client, version: before }], fork, data).ready;
      const is = checkReleases([{ client, version: after }], fork, data).ready;
      const at = `${fork.name} on ${network} (${fork.activation.time})`;
      if (!was && is) notes.push(`now schedules ${at}`);
      if (was && !is) notes.push(`no longer schedules ${at}: the node would fork off`);
    }
    if (client !== 'mev-boost') {
      const off = forkOffOf(client, after, network, data);
      if (off && !forkOffOf(client, before, network, data)) notes.push(`schedules a date ${network} cancelled for ${off.fork}: the node would fork off; use ${off.fixedIn} or later`);
    }
  }
  const security = data.clients[client].releases
    .filter((r) => r.security || r.urgency === 'critical' || r.urgency === 'high')
    .map((r) => r.version)
    .filter((version) => {
      const n = releaseNumber(version);
      return n !== undefined && compareReleases(n, from) > 0 && compareReleases(n, to) <= 0;
    })
    .sort((a, b) => compareReleases(releaseNumber(a)!, releaseNumber(b)!));
  if (security.length > 0) notes.push(`takes in security or high-urgency release${security.length > 1 ? 's' : ''} ${security.join(', ')}`);
  return notes.length === 0 ? undefined : notes.join('; ');
}
