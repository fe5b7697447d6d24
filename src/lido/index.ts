export {
  LIDO_BUILDER_BOOST_FACTOR,
  LIDO_EXECUTION_LAYER_REWARDS_VAULTS,
  LIDO_MAX_MIN_BID_ETH,
  checkLidoRules,
  describeLidoViolations,
  relayKey,
  type LidoCheckRequest,
  type LidoNetworkRules,
  type LidoRelay,
  type LidoRule,
  type LidoViolation,
} from './rules';
