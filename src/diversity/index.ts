export { normalizeClientName, parseClientDiversityFeed, type FeedSnapshot } from './clientdiversity';
export {
  LAYERS,
  LAYER_CLIENTS,
  OTHER_CLIENT,
  parseDiversityData,
  shareOf,
  type DiversityData,
  type Layer,
  type LayerShares,
  type LayerSnapshot,
  type NetworkSnapshots,
} from './data';
export { operatorShares, validatorWeight, type LedgerEntry, type OperatorShares } from './ledger';
export { registerDiversityMetrics, type DiversityMetrics, type DiversityMetricsInput } from './metrics';
export {
  evaluatePolicy,
  percent,
  type Alternative,
  type DiversityThresholds,
  type OfferedClients,
  type PolicyDecision,
  type PolicyFinding,
  type PolicyInput,
  type PolicyScope,
} from './policy';
export {
  diversityReport,
  publishedReport,
  shareRows,
  type ClientShare,
  type DiversityReport,
  type LayerReport,
  type NetworkPolicies,
  type OperatorLayer,
  type PublishedLayer,
  type ShareRow,
  type ShareScope,
  type ShownLayer,
  type ShownReport,
} from './report';
export {
  DiversityDataSource,
  bundledDiversityDataPath,
  loadDiversityData,
  loadStartupData,
  saveDiversityData,
  type DiversityDataSourceOptions,
  type StartupData,
  type FeedResponse,
  type FetchLike,
  type RefreshResult,
  type RefreshTarget,
} from './source';
export {
  DEFAULT_STATUS_THRESHOLDS,
  STATUS_ORDER,
  comboStatus,
  describeSources,
  statusOfShare,
  statusThresholdsOf,
  worstStatus,
  type ComboStatus,
  type DiversityStatus,
  type StatusThresholds,
} from './status';
export { rankCombos, type Combo, type LayerStanding, type RankedCombo, type RankingShares } from './suggest';
