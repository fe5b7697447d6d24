/**
 * `ovsb releases refresh`: adds the releases each client published since the data was observed, read
 * from its GitHub releases feed (`GET /repos/<owner>/<name>/releases`), and moves `observed` to today.
 * A release whose notes mention a vulnerability is marked `security`; an urgency the notes state
 * ("High urgency", "Priority: critical") is kept. Which forks a release schedules is a fact people
 * record from the notes: the refresh lists the new releases whose notes name a fork or a network, so
 * someone reads them. Drafts and pre-releases are skipped. A feed that fails leaves that client as it was.
 */
import { compareReleases, releaseNumber } from '../../modules/clients/forks';
import { RELEASE_CLIENTS, parseReleaseData, type KnownRelease, type ReleaseClient, type ReleaseData, type Urgency } from '../../modules/clients/release-data';

export type FetchLike = (url: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface RefreshOptions {
  /** @default https://api.github.com */
  readonly apiUrl?: string;
  /** Sent as a bearer token (raises GitHub's rate limit). @default none */
  readonly token?: string;
  readonly fetch: FetchLike;
  readonly now: Date;
  /** @default 15000 */
  readonly timeoutMs?: number;
}

export interface ClientRefresh {
  readonly client: ReleaseClient;
  readonly added: readonly KnownRelease[];
  /** New releases whose notes name a fork or a network: record what they schedule in the data file. */
  readonly toReview: readonly string[];
  readonly error?: string;
}

export interface RefreshReport {
  readonly data: ReleaseData;
  readonly clients: readonly ClientRefresh[];
}

interface GithubRelease {
  readonly tag_name?: unknown;
  readonly published_at?: unknown;
  readonly html_url?: unknown;
  readonly body?: unknown;
  readonly draft?: unknown;
  readonly prerelease?: unknown;
}

const SECURITY = /\b(security|vulnerabilit(y|ies)|CVE-\d{4}-\d+|exploit)/i;
const URGENCY = /\b(critical|high|medium|low)[ -]urgency\b|\burgency[:*\s]+(critical|high|medium|low)\b|\bpriority[:*\s]+(critical|high|medium|low)\b/i;
const FORK_WORDS = /\b(hoodi|sepolia|mainnet|glamsterdam|gloas|amsterdam|fusaka|fork)\b/i;

/** One feed entry as a known release; undefined for drafts, pre-releases and tags without a number. */
export function releaseFromFeed(entry: GithubRelease): (KnownRelease & { readonly mentionsFork: boolean }) | undefined {
  if (entry.draft === true || entry.prerelease === true) return undefined;
  if (typeof entry.tag_name !== 'string' || typeof entry.published_at !== 'string' || typeof entry.html_url !== 'string') return undefined;
  const number = releaseNumber(entry.tag_name);
  if (number === undefined || number.prerelease) return undefined;
  const body = typeof entry.body === 'string' ? entry.body : '';
  const urgencyMatch = URGENCY.exec(body);
  const urgency = (urgencyMatch?.[1] ?? urgencyMatch?.[2] ?? urgencyMatch?.[3])?.toLowerCase() as Urgency | undefined;
  return {
    version: entry.tag_name,
    date: entry.published_at.slice(0, 10),
    security: SECURITY.test(body),
    ...(urgency !== undefined && { urgency }),
    note: 'added by ovsb releases refresh from the release feed; read the notes',
    source: entry.html_url,
    mentionsFork: FORK_WORDS.test(body),
  };
}

export async function refreshReleaseData(data: ReleaseData, options: RefreshOptions): Promise<RefreshReport> {
  const api = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const clients: ClientRefresh[] = [];
  const updated: Record<string, ReleaseData['clients'][ReleaseClient]> = { ...data.clients };
  for (const client of RELEASE_CLIENTS) {
    const info = data.clients[client];
    const known = new Set(info.releases.map((r) => releaseNumber(r.version)).filter((n) => n !== undefined).map((n) => `${n!.major}.${n!.minor}.${n!.patch}`));
    let entries: GithubRelease[];
    try {
      const response = await options.fetch(`${api}/repos/${info.repository}/releases?per_page=30`, {
        headers: { Accept: 'application/vnd.github+json', ...(options.token !== undefined && { Authorization: `Bearer ${options.token}` }) },
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const parsed = JSON.parse(await response.text()) as unknown;
      if (!Array.isArray(parsed)) throw new Error('the feed is not a list of releases');
      entries = parsed as GithubRelease[];
    } catch (error) {
      clients.push({ client, added: [], toReview: [], error: `${info.repository}: ${(error as Error).message}; kept as it was` });
      continue;
    }
    const added = entries
      .map(releaseFromFeed)
      .filter((r): r is NonNullable<ReturnType<typeof releaseFromFeed>> => r !== undefined && (r.date ?? '') <= options.now.toISOString().slice(0, 10))
      .filter((r) => {
        const n = releaseNumber(r.version)!;
        const key = `${n.major}.${n.minor}.${n.patch}`;
        if (known.has(key)) return false;
        known.add(key);
        return true;
      })
      .sort((a, b) => compareReleases(releaseNumber(a.version)!, releaseNumber(b.version)!));
    updated[client] = { ...info, releases: [...info.releases, ...added.map(({ mentionsFork: _, ...release }) => release)] };
    clients.push({ client, added: added.map(({ mentionsFork: _, ...release }) => release), toReview: added.filter((r) => r.mentionsFork).map((r) => `${client} ${r.version}: ${r.source}`) });
  }
  const today = options.now.toISOString().slice(0, 10);
  const newest = clients.flatMap((c) => c.added.flatMap((r) => (r.date === undefined ? [] : [r.date]))).sort().pop();
  const next = { ...data, observed: today, changed: newest !== undefined && newest > data.changed ? newest : data.changed, clients: updated };
  // The result must read back as valid data, like the bundled file.
  return { data: parseReleaseData(JSON.parse(JSON.stringify(next)), 'refreshed release data'), clients };
}
