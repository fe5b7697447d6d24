import { describe, expect, it } from 'vitest';
import type { ConsensusClientName, ExecutionClientName } from '../../modules/clients/types';
import { evaluatePolicy, type LedgerEntry, type NetworkSnapshots, type PolicyInput } from '../../src/diversity';

const THRESHOLDS = { warn: 0.33, refuse: 0.66 };
const OFFERED = {
  execution: ['geth', 'nethermind', 'besu', 'erigon', 'reth'] as ExecutionClientName[],
  consensus: ['lighthouse', 'prysm', 'teku', 'nimbus', 'lodestar', 'grandine'] as ConsensusClientName[],
};

const validator = (
  instanceId: string,
  consensus: ConsensusClientName,
  validatorCount: number,
  execution: ExecutionClientName = 'besu',
): LedgerEntry => ({ instanceId, network: 'mainnet', role: 'validator', execution, consensus, validatorCount });

/** Many validators on other clients, so the operator scope stays quiet in network-scope rows. */
const BIG_SPREAD: LedgerEntry[] = [
  validator('spread-1', 'teku', 500, 'besu'),
  validator('spread-2', 'nimbus', 500, 'erigon'),
];

const consensusSnapshot = (lighthouse: number, validatorsTotal?: number): NetworkSnapshots => ({
  consensus: {
    source: 'test crawler',
    url: 'https://example.org/consensus.json',
    date: '2026-08-21',
    shares: { lighthouse, prysm: 0.1, teku: 0.1, nimbus: 0.05, lodestar: 0.03, grandine: 0.02 },
    ...(validatorsTotal !== undefined && { validatorsTotal }),
  },
});

const input = (overrides: Partial<PolicyInput>): PolicyInput => ({
  request: validator('new', 'lighthouse', 1, 'geth'),
  ledger: BIG_SPREAD,
  thresholds: THRESHOLDS,
  offered: OFFERED,
  ...overrides,
});

const summary = (decision: ReturnType<typeof evaluatePolicy>) => ({
  decision: decision.decision,
  findings: decision.findings.map((f) => `${f.scope}/${f.layer}/${f.client}/${f.level}`),
});

describe('network scope: the published share, as is when the source gives no validator total', () => {
  it.each<[string, number, 'allow' | 'warn' | 'refuse']>([
    ['below warn', 0.3299, 'allow'],
    ['at warn', 0.33, 'warn'],
    ['above warn', 0.5, 'warn'],
    ['just below refuse', 0.6599, 'warn'],
    ['at refuse', 0.66, 'refuse'],
    ['above refuse', 0.8, 'refuse'],
  ])('%s (%s)', (_, share, expected) => {
    const decision = evaluatePolicy(input({ snapshots: consensusSnapshot(share) }));
    expect(decision.decision).toBe(expected);
    const findings = decision.findings.filter((f) => f.scope === 'network');
    if (expected === 'allow') expect(findings).toEqual([]);
    else expect(findings).toMatchObject([{ layer: 'consensus', client: 'lighthouse', shareBefore: share, shareAfter: share, level: expected }]);
  });

  it('adds the request to the network total when the source counts validators', () => {
    // 6599 of 10000 validators: one more is 6600/10001, still below 66%.
    const below = evaluatePolicy(input({ snapshots: consensusSnapshot(0.6599, 10_000) }));
    expect(below.decision).toBe('warn');
    expect(below.findings[0]!.shareAfter).toBeCloseTo(6600 / 10_001, 10);
    // Exactly 66%: one more lighthouse validator is above it.
    const at = evaluatePolicy(input({ snapshots: consensusSnapshot(0.66, 10_000) }));
    expect(at.decision).toBe('refuse');
    expect(at.findings[0]!.shareAfter).toBeCloseTo(6601 / 10_001, 10);
  });

  it('names the client, its share, the threshold and the minority clients in a refusal', () => {
    const decision = evaluatePolicy(input({ snapshots: consensusSnapshot(0.7) }));
    expect(decision.message).toBe(
      "Refused by the client-diversity policy: lighthouse would hold 70% of mainnet's consensus clients (test crawler, 2026-08-21), at or above the refuse threshold of 66%. " +
        "Pick a minority consensus client instead: grandine (2% network-wide, 0.1% of this operator's validators), " +
        "lodestar (3% network-wide, 0.1% of this operator's validators), prysm (10% network-wide, 0.1% of this operator's validators)",
    );
    // teku and nimbus are minority network-wide but hold about half of this operator's validators each.
    expect(decision.findings[0]!.alternatives.map((a) => a.client)).toEqual(['grandine', 'lodestar', 'prysm']);
  });

  it('without published data only the operator scope applies, and says so', () => {
    const decision = evaluatePolicy(input({ request: { ...validator('new', 'lighthouse', 1, 'geth'), network: 'hoodi' }, ledger: [] }));
    // A first validator is 100% of the operator's ledger whatever its client: warned, never refused.
    expect(summary(decision)).toEqual({
      decision: 'warn',
      findings: ['operator/execution/geth/warn', 'operator/consensus/lighthouse/warn'],
    });
    expect(decision.findings[1]!.message).toContain('not refused because no other offered consensus client would stay below it');
  });
});

describe('operator scope: shares across live validators after the request', () => {
  it.each<[string, number, number, 'allow' | 'warn' | 'refuse']>([
    // lighthouse validators already live, teku validators live; the request adds 1 lighthouse validator.
    ['below warn', 0, 9, 'allow'],
    ['at warn (33/100)', 32, 67, 'warn'],
    ['above warn (50/100)', 49, 50, 'warn'],
    ['just below refuse (6599/10000)', 6598, 3401, 'warn'],
    ['at refuse (66/100)', 65, 34, 'refuse'],
    ['above refuse (80/100)', 79, 20, 'refuse'],
  ])('%s', (_, lighthouse, teku, expected) => {
    const ledger = [validator('a', 'lighthouse', lighthouse, 'nethermind'), validator('b', 'teku', teku, 'besu')].filter((e) => e.validatorCount! > 0);
    const decision = evaluatePolicy(input({ ledger }));
    expect(decision.decision).toBe(expected);
    const operator = decision.findings.filter((f) => f.scope === 'operator' && f.layer === 'consensus');
    const after = (lighthouse + 1) / (lighthouse + teku + 1);
    if (expected === 'allow') expect(operator).toEqual([]);
    else expect(operator).toMatchObject([{ client: 'lighthouse', shareAfter: after, level: expected }]);
  });

  it('a refusal names the share and the clients to pick instead', () => {
    const ledger = [validator('a', 'lighthouse', 79, 'nethermind'), validator('b', 'teku', 20, 'besu')];
    const decision = evaluatePolicy(input({ ledger }));
    expect(decision.message).toBe(
      "Refused by the client-diversity policy: lighthouse would hold 80% of this operator's validators on mainnet (consensus layer), at or above the refuse threshold of 66%. " +
        "Pick a minority consensus client instead: grandine (1% of this operator's validators), lodestar (1% of this operator's validators), " +
        "nimbus (1% of this operator's validators), prysm (1% of this operator's validators), teku (21% of this operator's validators)",
    );
  });

  it('rpc instances carry no validator weight and are never held back', () => {
    const ledger = [validator('a', 'lighthouse', 99, 'geth')];
    const decision = evaluatePolicy(input({ ledger, snapshots: consensusSnapshot(0.9), request: { ...validator('rpc', 'lighthouse', 1, 'geth'), role: 'rpc' } }));
    expect(decision).toEqual({ decision: 'allow', findings: [], message: 'rpc instances run no validators, so the client-diversity policy does not apply' });
  });

  it('weights default to one validator per validator instance', () => {
    const ledger: LedgerEntry[] = [
      { instanceId: 'a', network: 'mainnet', role: 'validator', execution: 'besu', consensus: 'teku' },
      { instanceId: 'b', network: 'mainnet', role: 'validator', execution: 'besu', consensus: 'nimbus' },
    ];
    const decision = evaluatePolicy(input({ ledger, request: { instanceId: 'c', network: 'mainnet', role: 'validator', execution: 'geth', consensus: 'lodestar' } }));
    expect(decision.findings.find((f) => f.layer === 'consensus')).toMatchObject({ shareAfter: 1 / 3, level: 'warn' });
  });

  it('instances on other networks do not count', () => {
    const ledger = [{ ...validator('a', 'lighthouse', 1000, 'geth'), network: 'hoodi' as const }, ...BIG_SPREAD];
    expect(evaluatePolicy(input({ ledger })).decision).toBe('allow');
  });
});

describe('plan changes: the old weight leaves, the new one arrives', () => {
  it.each<[string, LedgerEntry[], LedgerEntry, 'allow' | 'warn' | 'refuse', number, RegExp?]>([
    [
      'moving 40 teku validators onto lighthouse (60 already) refuses',
      [validator('a', 'lighthouse', 60), validator('b', 'teku', 40)],
      validator('b', 'lighthouse', 40),
      'refuse',
      1,
    ],
    [
      'moving 30 teku validators onto lighthouse (20 already, 50 nimbus) warns',
      [validator('a', 'lighthouse', 20), validator('b', 'teku', 30), validator('c', 'nimbus', 50)],
      validator('b', 'lighthouse', 30),
      'warn',
      0.5,
    ],
    [
      'shrinking an over-threshold lighthouse instance warns: it adds no lighthouse validators',
      [validator('a', 'lighthouse', 70), validator('b', 'teku', 30)],
      validator('a', 'lighthouse', 60),
      'warn',
      60 / 90,
      /not refused because this change adds no lighthouse validators/,
    ],
    [
      'growing an over-threshold lighthouse instance refuses when another client would stay below',
      [validator('a', 'lighthouse', 40, 'reth'), validator('d', 'lighthouse', 30, 'geth'), validator('b', 'teku', 20, 'erigon')],
      validator('a', 'lighthouse', 45, 'reth'),
      'refuse',
      75 / 95,
    ],
    [
      'growing it is only a warning when every client would be over: the instance alone is 80 of 110',
      [validator('a', 'lighthouse', 70), validator('b', 'teku', 30)],
      validator('a', 'lighthouse', 80),
      'warn',
      80 / 110,
      /not refused because no other offered consensus client would stay below it/,
    ],
    [
      'a retried provision is not counted twice',
      [validator('a', 'lighthouse', 10, 'geth'), validator('b', 'teku', 45, 'besu'), validator('c', 'nimbus', 45, 'erigon')],
      validator('a', 'lighthouse', 10, 'geth'),
      'allow',
      0.1,
    ],
  ])('%s', (_, ledger, request, expected, lighthouseAfter, message) => {
    const decision = evaluatePolicy(input({ ledger, request }));
    expect(decision.decision).toBe(expected);
    const finding = decision.findings.find((f) => f.scope === 'operator' && f.layer === 'consensus' && f.client === 'lighthouse');
    if (expected === 'allow') expect(finding).toBeUndefined();
    else expect(finding!.shareAfter).toBeCloseTo(lighthouseAfter, 10);
    if (message) expect(decision.message).toMatch(message);
  });

  it('a plan change away from a network-wide supermajority client is not refused for its new client', () => {
    const ledger = [validator('a', 'lighthouse', 10, 'reth'), ...BIG_SPREAD];
    const decision = evaluatePolicy(input({ ledger, snapshots: consensusSnapshot(0.8), request: validator('a', 'lodestar', 10, 'reth') }));
    expect(decision.decision).toBe('allow');
  });

  it('with a validator total, the moved validators leave the old client network-wide', () => {
    const ledger = [validator('a', 'teku', 100), ...BIG_SPREAD];
    // teku is 10% of 1000; moving 100 validators from teku to lighthouse: lighthouse 600+100 of 1000.
    const decision = evaluatePolicy(input({ ledger, snapshots: consensusSnapshot(0.6, 1000), request: validator('a', 'lighthouse', 100) }));
    expect(decision.findings.find((f) => f.scope === 'network')).toMatchObject({ shareBefore: 0.6, level: 'refuse' });
    expect(decision.findings.find((f) => f.scope === 'network')!.shareAfter).toBeCloseTo(0.7, 10);
  });
});

describe('both scopes and layers at once', () => {
  it('reports every finding and refuses when any scope refuses', () => {
    const snapshots: NetworkSnapshots = {
      ...consensusSnapshot(0.4),
      execution: { source: 'test survey', url: 'https://example.org/el.json', date: '2026-08-20', shares: { geth: 0.7, nethermind: 0.2, besu: 0.1 } },
    };
    const ledger = [validator('a', 'lighthouse', 9, 'geth')];
    const decision = evaluatePolicy(input({ ledger, snapshots }));
    expect(summary(decision)).toEqual({
      decision: 'refuse',
      findings: [
        'network/execution/geth/refuse',
        'operator/execution/geth/refuse',
        'network/consensus/lighthouse/warn',
        'operator/consensus/lighthouse/refuse',
      ],
    });
    expect(decision.message).toMatch(/^Refused by the client-diversity policy: geth would hold 70% of mainnet's execution clients \(test survey, 2026-08-20\)/);
  });

  it('allows and says so when everything is below warn', () => {
    const decision = evaluatePolicy(input({ snapshots: consensusSnapshot(0.1), request: validator('new', 'lodestar', 1, 'reth') }));
    expect(decision).toEqual({
      decision: 'allow',
      findings: [],
      message: 'reth and lodestar stay below the warn threshold of 33% on mainnet (no published execution shares for mainnet: operator scope only)',
    });
  });

  it('honours the network thresholds from the catalog', () => {
    const strict = evaluatePolicy(input({ snapshots: consensusSnapshot(0.25), thresholds: { warn: 0.1, refuse: 0.2 } }));
    expect(strict.decision).toBe('refuse');
    expect(strict.message).toContain('at or above the refuse threshold of 20%');
  });
});

describe('a new operator (empty ledger): every pick is 100% of its own validators', () => {
  it('GIVEN lighthouse over the refuse share network-wide WHEN its first validator asks for lighthouse THEN refused, naming network-wide minority clients', () => {
    const decision = evaluatePolicy(input({ ledger: [], snapshots: consensusSnapshot(0.7) }));
    expect(decision.decision).toBe('refuse');
    const refusal = decision.findings.find((f) => f.level === 'refuse')!;
    expect(refusal).toMatchObject({ scope: 'network', layer: 'consensus', client: 'lighthouse', shareAfter: 0.7 });
    // Alternatives are judged network-wide here: each would also be 100% of the new operator's validators.
    expect(refusal.alternatives.map((a) => a.client)).toEqual(['grandine', 'lodestar', 'nimbus', 'prysm', 'teku']);
    // The operator scope warns but cannot refuse: no pick stays below 66% of one instance.
    expect(decision.findings.filter((f) => f.scope === 'operator').every((f) => f.level === 'warn')).toBe(true);
  });

  it('GIVEN no published data WHEN its first validator is provisioned THEN a warning, never a refusal', () => {
    const decision = evaluatePolicy(input({ ledger: [] }));
    expect(decision.decision).toBe('warn');
    expect(decision.message).toContain('not refused because no other offered');
  });
});
