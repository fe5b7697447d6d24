/**
 * The diversity policy: per network, a warn and a refuse share (catalog.yaml; defaults 33% and 66%, the
 * finality and supermajority limits) applied to each requested client's share AFTER the provision or
 * plan change, in two scopes:
 *
 * - network: the published network-wide share. Where the source counts validators and says how many
 *   there are (validatorsTotal), the request's validators are added to that total (and a plan change's
 *   old ones removed); otherwise one operator's validators are negligible against the network and the
 *   published share is used as it is.
 * - operator: the share across this broker's live instances on the network (./ledger.ts), with the
 *   instance's previous entry replaced by the request.
 *
 * A share at or above `refuse` refuses only when refusing helps: the request must add weight to that
 * client (an update that does not grow an over-threshold client is a warning, so operators can still
 * change other settings), and some other offered client of the layer must stay below `refuse` in both
 * scopes (the refusal names them). Otherwise it is a warning that says why it was not refused. This is
 * also what lets a new operator provision its first validators, which are 100% of its ledger whatever
 * the client.
 */
import type { ConsensusClientName, ExecutionClientName } from '../../modules/clients/types';
import { LAYERS, shareOf, type Layer, type NetworkSnapshots } from './data';
import { operatorShares, validatorWeight, type LedgerEntry } from './ledger';

export interface DiversityThresholds {
  /** Accepted with a warning at or above this share. */
  readonly warn: number;
  /** Refused at or above this share (see the module comment for when refusing applies). */
  readonly refuse: number;
}

export type PolicyScope = 'network' | 'operator';

/** Clients the catalog offers on the network: what a refused staker can pick instead. */
export interface OfferedClients {
  readonly execution: readonly ExecutionClientName[];
  readonly consensus: readonly ConsensusClientName[];
}

export interface PolicyInput {
  /** The instance as it will be: new, or its new plan and parameters for an update. */
  readonly request: LedgerEntry;
  /** The broker's live instances (any network); an entry with the request's id is its current state. */
  readonly ledger: readonly LedgerEntry[];
  /** Published shares of the request's network. @default none: only the operator scope applies */
  readonly snapshots?: NetworkSnapshots;
  readonly thresholds: DiversityThresholds;
  readonly offered: OfferedClients;
}

export interface Alternative {
  readonly client: string;
  /** Network-wide share had the request picked this client. @default unknown (no published data) */
  readonly networkShare?: number;
  /** Operator share had the request picked this client. */
  readonly operatorShare: number;
}

export interface PolicyFinding {
  readonly scope: PolicyScope;
  readonly layer: Layer;
  readonly client: string;
  readonly shareBefore: number;
  readonly shareAfter: number;
  /** The threshold crossed (refuse for a refusal or a refusal downgraded to a warning). */
  readonly threshold: number;
  readonly level: 'warn' | 'refuse';
  /** Offered clients of the layer to pick instead, least represented first. */
  readonly alternatives: readonly Alternative[];
  readonly message: string;
}

export interface PolicyDecision {
  readonly decision: 'allow' | 'warn' | 'refuse';
  readonly findings: readonly PolicyFinding[];
  /** For the OSB error description (refuse) or the operation description and logs (warn). */
  readonly message: string;
}

/** 0.51 -> "51%", 0.4288 -> "42.9%" */
export const percent = (share: number): string => `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;

export function evaluatePolicy(input: PolicyInput): PolicyDecision {
  const { request, ledger, snapshots, thresholds, offered } = input;
  const network = request.network;
  const previous = ledger.find((entry) => entry.instanceId === request.instanceId && entry.network === network);
  const newWeight = validatorWeight(request);
  const oldWeight = previous ? validatorWeight(previous) : 0;
  if (newWeight === 0) {
    return {
      decision: 'allow',
      findings: [],
      message: `${request.role} instances run no validators, so the client-diversity policy does not apply`,
    };
  }
  const operatorBefore = operatorShares(ledger, network);

  const networkShares = (layer: Layer, client: string, candidate: LedgerEntry) => {
    const snapshot = snapshots?.[layer];
    if (!snapshot) return undefined;
    const published = shareOf(snapshot, client);
    const total = snapshot.validatorsTotal;
    if (total === undefined) return { before: published, after: published };
    const removed = previous && previous[layer] === client ? oldWeight : 0;
    const added = candidate[layer] === client ? newWeight : 0;
    return { before: published, after: Math.max(0, published * total - removed + added) / (total - oldWeight + newWeight) };
  };
  const operatorShareAfter = (layer: Layer, client: string, candidate: LedgerEntry): number =>
    operatorShares(ledger, network, candidate).shares[layer][client] ?? 0;

  // Alternatives are judged in the scope of the finding: for a new operator every pick is 100% of its
  // ledger, which must not hide the network-wide minority clients.
  const alternativesFor = (layer: Layer, client: string, scope: PolicyScope): { belowRefuse: Alternative[]; minority: Alternative[] } => {
    const others: readonly string[] = offered[layer].filter((c) => c !== client);
    const all = others.map((other): Alternative => {
      const candidate = { ...request, [layer]: other } as LedgerEntry;
      const networkShare = networkShares(layer, other, candidate)?.after;
      return { client: other, ...(networkShare !== undefined && { networkShare }), operatorShare: operatorShareAfter(layer, other, candidate) };
    });
    const inScope = (a: Alternative) => (scope === 'network' ? (a.networkShare ?? 0) : a.operatorShare);
    const inBoth = (a: Alternative) => Math.max(a.networkShare ?? 0, a.operatorShare);
    const sorted = all.sort((a, b) => inBoth(a) - inBoth(b) || inScope(a) - inScope(b) || a.client.localeCompare(b.client));
    // Suggest clients that are a minority in both scopes when there are any, else in the finding's scope.
    const minorityInBoth = sorted.filter((a) => inBoth(a) < thresholds.warn);
    return {
      belowRefuse: sorted.filter((a) => inScope(a) < thresholds.refuse),
      minority: minorityInBoth.length > 0 ? minorityInBoth : sorted.filter((a) => inScope(a) < thresholds.warn).sort((a, b) => inScope(a) - inScope(b)),
    };
  };

  const findings: PolicyFinding[] = [];
  for (const layer of LAYERS) {
    const client = request[layer];
    // Weight this request adds to the client, beyond what the instance already gave it.
    const growsClient = newWeight > (previous && previous[layer] === client ? oldWeight : 0);
    const scopes: [PolicyScope, { before: number; after: number } | undefined][] = [
      ['network', networkShares(layer, client, request)],
      ['operator', { before: operatorBefore.shares[layer][client] ?? 0, after: operatorShareAfter(layer, client, request) }],
    ];
    for (const [scope, shares] of scopes) {
      if (!shares || shares.after < thresholds.warn) continue;
      const { belowRefuse, minority } = alternativesFor(layer, client, scope);
      const alternatives = minority.length > 0 ? minority : belowRefuse;
      const where =
        scope === 'network'
          ? `${percent(shares.after)} of ${network}'s ${layer} clients (${snapshots![layer]!.source}, ${snapshots![layer]!.date})`
          : `${percent(shares.after)} of this operator's validators on ${network} (${layer} layer)`;
      const head = `${client} would hold ${where}`;
      const pickText = alternatives.length > 0 ? `; minority ${layer} clients to pick instead: ${describeAlternatives(alternatives)}` : '';
      let level: 'warn' | 'refuse' = 'warn';
      let threshold = thresholds.warn;
      let message = `${head}, at or above the warn threshold of ${percent(thresholds.warn)}${pickText}`;
      if (shares.after >= thresholds.refuse) {
        threshold = thresholds.refuse;
        const over = `${head}, at or above the refuse threshold of ${percent(thresholds.refuse)}`;
        if (!growsClient) {
          message = `${over}; not refused because this change adds no ${client} validators${pickText}`;
        } else if (belowRefuse.length === 0) {
          message = `${over}; not refused because no other offered ${layer} client would stay below it`;
        } else {
          level = 'refuse';
          message = `${over}. Pick a minority ${layer} client instead: ${describeAlternatives(alternatives)}`;
        }
      }
      findings.push({ scope, layer, client, shareBefore: shares.before, shareAfter: shares.after, threshold, level, alternatives, message });
    }
  }

  const refusals = findings.filter((f) => f.level === 'refuse');
  if (refusals.length > 0) {
    return { decision: 'refuse', findings, message: `Refused by the client-diversity policy: ${refusals.map((f) => f.message).join('; ')}` };
  }
  if (findings.length > 0) {
    return { decision: 'warn', findings, message: `Client-diversity warning: ${findings.map((f) => f.message).join('; ')}` };
  }
  const unknown = LAYERS.filter((layer) => !snapshots?.[layer]);
  const caveat = unknown.length > 0 ? ` (no published ${unknown.join(' or ')} shares for ${network}: operator scope only)` : '';
  return {
    decision: 'allow',
    findings,
    message: `${request.execution} and ${request.consensus} stay below the warn threshold of ${percent(thresholds.warn)} on ${network}${caveat}`,
  };
}

function describeAlternatives(alternatives: readonly Alternative[]): string {
  return alternatives
    .map((a) => {
      const network = a.networkShare !== undefined ? `${percent(a.networkShare)} network-wide, ` : '';
      return `${a.client} (${network}${percent(a.operatorShare)} of this operator's validators)`;
    })
    .join(', ');
}
