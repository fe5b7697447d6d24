/**
 * Samples in the shape of clientdiversity.org's `_data/migalabs.json` and `_data/supermajority.json`
 * (daily entries with `accuracy` and `other` fields), newest values as in clients.md §4.2.
 */
const entry = (date: string, distribution: [string, number][], other: Record<string, unknown>) => ({
  date,
  timestamp: Date.parse(`${date}T12:00:00Z`) / 1000,
  data: {
    distribution: distribution.map(([name, value]) => ({ name, value, accuracy: 'no data' })),
    other,
  },
});

export const MIGALABS_SAMPLE = [
  entry(
    '2026-08-20',
    [['lighthouse', 0.5102], ['prysm', 0.2081], ['nimbus', 0.0914], ['teku', 0.0788], ['erigon', 0.038], ['lodestar', 0.0317], ['unknown', 0.0242], ['grandine', 0.0176]],
    { data_source: 'migalabs', has_majority: true, has_supermajority: false, danger_client: 'lighthouse', top_client: 'lighthouse' },
  ),
  entry(
    '2026-08-21',
    [['lighthouse', 0.51], ['prysm', 0.2083], ['nimbus', 0.0915], ['teku', 0.0787], ['erigon', 0.0381], ['lodestar', 0.0316], ['unknown', 0.0242], ['grandine', 0.0176]],
    { data_source: 'migalabs', has_majority: true, has_supermajority: false, danger_client: 'lighthouse', top_client: 'lighthouse' },
  ),
  entry(
    '2023-08-23',
    [['lighthouse', 0.367017], ['prysm', 0.366833], ['teku', 0.154946], ['nimbus', 0.06663], ['grandine', 0.021779], ['lodestar', 0.016611], ['erigon', 0.004799], ['other', 0.001384]],
    { data_source: 'migalabs', has_majority: false, has_supermajority: false, danger_client: '', top_client: 'lighthouse' },
  ),
];

export const SUPERMAJORITY_SAMPLE = [
  entry('2024-02-04', [['geth', 0.7278642937752127], ['besu', 0.1388735901171551], ['nethermind', 0.11582082355655222], ['erigon', 0.01744129255108], ['other', 0]], {
    data_source: 'supermajority',
    has_majority: true,
    has_supermajority: true,
    danger_client: 'geth',
    top_client: 'geth',
    validators_represented: 481157,
    validators_total: 914433,
    validators_percentage: 0.5261807043271622,
  }),
  entry('2026-08-21', [['nethermind', 0.4288], ['geth', 0.4279], ['besu', 0.0836], ['reth', 0.0331], ['erigon', 0.0266], ['other', 0]], {
    data_source: 'supermajority',
    has_majority: false,
    has_supermajority: false,
    danger_client: '',
    top_client: 'nethermind',
    validators_represented: 542897,
    validators_total: 914433,
    validators_percentage: 0.5937,
  }),
];
