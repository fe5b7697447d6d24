/**
 * Example parameters per plan kind: what `ovsb synth` provisions each plan with, and what the docs show.
 * Lido examples follow the Lido rules of the network so they pass the Lido checks.
 */
import { ConfigError } from '../errors';
import type { NetworkConfig } from './config';
import type { CatalogPlan, LidoRules } from './model';
import type { MevBoostServiceParameters, NodeParameters } from './parameters';

/**
 * The first checksummed test vector of EIP-55, used only so examples validate. It is not a fee
 * recipient anyone should use: provisioning with it would send rewards to an unknown party.
 */
export const EXAMPLE_FEE_RECIPIENT = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
export const EXAMPLE_GRAFFITI = 'ovsb example';

export function exampleParameters(
  plan: CatalogPlan,
  network: NetworkConfig,
  lido: LidoRules | undefined,
): NodeParameters | MevBoostServiceParameters {
  if (plan.kind === 'mev-boost') {
    if (network.defaultRelays.length > 0) return {};
    const relays = lido?.relayAllowList.relays.map((r) => r.url) ?? [];
    if (relays.length === 0) {
      throw new ConfigError(
        plan.stackName,
        `networks.${plan.network}.mev_boost.relays`,
        'no relays to build the example MEV-Boost instance from: list at least one default relay for the network',
      );
    }
    return { relays };
  }
  if (plan.role === 'rpc') return {};
  // Enshrined PBS (EIP-7732): no MEV-Boost, so no mev_boost or builder_boost_factor parameters.
  const mevBoost = plan.mevBoost !== undefined;
  if (plan.lido && lido) {
    const relays = lido.relayAllowList.relays.map((r) => r.url);
    return {
      fee_recipient: lido.executionLayerRewardsVault,
      graffiti: EXAMPLE_GRAFFITI,
      ...(mevBoost && {
        mev_boost: relays.length > 0 ? { enabled: true, relays, min_bid_eth: 0 } : { enabled: false },
        builder_boost_factor: lido.builderBoostFactor,
      }),
      validator_count: 1,
    };
  }
  return {
    fee_recipient: EXAMPLE_FEE_RECIPIENT,
    graffiti: EXAMPLE_GRAFFITI,
    ...(mevBoost && network.defaultRelays.length === 0 && { mev_boost: { enabled: false } }),
    validator_count: 1,
  };
}
