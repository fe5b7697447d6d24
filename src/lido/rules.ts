/**
 * Lido mode: the Lido node-operator rules a validator instance must follow (clients.md §3.2, §4.3).
 * - Fee recipient: Lido's Execution Layer Rewards Vault of the network.
 * - MEV-Boost relays: only from the allow-list snapshot (the on-chain MEVBoostRelayAllowedList), at
 *   least one of them marked mandatory.
 * - min-bid: at most 0.07 ETH.
 * - Builder boost factor: 100 (builder and local blocks weighed 1:1) where the validator client has it.
 * Pure: the caller passes the rules (from catalog.yaml) and the instance's effective settings.
 */
import type { Network } from '../../modules/clients/types';

/** Lido Execution Layer Rewards Vault per network (sedge internal/lido/contracts, docs.lido.fi). */
export const LIDO_EXECUTION_LAYER_REWARDS_VAULTS: Readonly<Record<Network, string>> = {
  mainnet: '0x388C818CA8B9251b393131C08a736A67ccB19297',
  hoodi: '0x9b108015fe433F173696Af3Aa0CF7CDb3E104258',
  sepolia: '0x94B1B8e2680882f8652882e7F196169dE3d9a3B2',
};

/** research.lido.fi "Lido Node Operator MEV Boost min-bid guidance". */
export const LIDO_MAX_MIN_BID_ETH = 0.07;
export const LIDO_BUILDER_BOOST_FACTOR = 100;

/** One entry of the MEVBoostRelayAllowedList (`get_relays()`: Uri, Operator, IsMandatory, Description). */
export interface LidoRelay {
  /** `https://0x<BLS public key>@host` */
  readonly url: string;
  /** @default none */
  readonly operator?: string;
  readonly mandatory: boolean;
  /** @default none */
  readonly description?: string;
}

/**
 * The Lido rules of one network, as catalog.yaml's `lido` block gives them. The catalog's `LidoRules`
 * (src/catalog/model.ts) has this shape. Lido's rules are fixed, so the catalog may only restate them
 * (or cap min-bid lower); src/catalog/config.ts refuses anything else and checkLidoRules throws on it.
 */
export interface LidoNetworkRules {
  readonly network: Network;
  /** Must be LIDO_EXECUTION_LAYER_REWARDS_VAULTS[network] (any case). @default that vault */
  readonly executionLayerRewardsVault?: string;
  readonly relayAllowList: {
    /** Where the snapshot came from (contract and call). */
    readonly source: string;
    /** When it was taken (ISO date). @default unknown */
    readonly asOf?: string;
    readonly relays: readonly LidoRelay[];
  };
  /** At most LIDO_MAX_MIN_BID_ETH (a stricter cap is allowed). @default LIDO_MAX_MIN_BID_ETH */
  readonly maxMinBidEth?: number;
  /** Must be LIDO_BUILDER_BOOST_FACTOR. @default LIDO_BUILDER_BOOST_FACTOR */
  readonly builderBoostFactor?: number;
}

/**
 * What the instance will run with, after defaults (a NodeSpec from stacks/props.ts has these fields).
 */
export interface LidoCheckRequest {
  readonly network: Network;
  /** @default none */
  readonly feeRecipient?: string;
  /** Absent: MEV-Boost is off (every block built locally). */
  readonly mevBoost?: { readonly relays: readonly string[]; readonly minBidEth?: number };
  /** @default the client's own default */
  readonly builderBoostFactor?: number;
  /** Whether the validator client has a builder boost factor setting; the rule only applies then. */
  readonly builderBoostFactorSupported: boolean;
}

export type LidoRule = 'fee-recipient' | 'relay-allow-list' | 'mandatory-relay' | 'min-bid' | 'builder-boost-factor';

export interface LidoViolation {
  readonly rule: LidoRule;
  /** The OSB parameter to change, e.g. `mev_boost.relays[1]`. */
  readonly field: string;
  /** The offending value as text (`unset` when missing). */
  readonly value: string;
  /** Names the rule, the bad value and the fix. */
  readonly message: string;
}

/** Relays compare by BLS public key (any case) and host (any case), ignoring a trailing slash. */
export function relayKey(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' || !/^0x[0-9a-fA-F]{96}$/.test(parsed.username)) return undefined;
  const path = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/$/, '');
  return `${parsed.username.toLowerCase()}@${parsed.host.toLowerCase()}${path}`;
}

function relayName(relay: LidoRelay): string {
  if (relay.operator !== undefined) return relay.operator;
  const key = relayKey(relay.url);
  return key === undefined ? relay.url : key.slice(key.indexOf('@') + 1);
}

/** Every Lido rule the request breaks; empty when it complies. */
export function checkLidoRules(rules: LidoNetworkRules, request: LidoCheckRequest): LidoViolation[] {
  if (rules.network !== request.network) {
    throw new TypeError(`Lido rules of ${rules.network} applied to a ${request.network} instance`);
  }
  const violations: LidoViolation[] = [];
  const network = rules.network;
  const vault = LIDO_EXECUTION_LAYER_REWARDS_VAULTS[network];
  const maxMinBid = rules.maxMinBidEth ?? LIDO_MAX_MIN_BID_ETH;
  const boostFactor = LIDO_BUILDER_BOOST_FACTOR;
  // Catalog validation refuses these; reaching here with them is a bug, never a weaker Lido mode.
  if (rules.executionLayerRewardsVault !== undefined && rules.executionLayerRewardsVault.toLowerCase() !== vault.toLowerCase()) {
    throw new TypeError(`Lido rules of ${network} name vault ${rules.executionLayerRewardsVault}, not Lido's ${vault}`);
  }
  if (maxMinBid > LIDO_MAX_MIN_BID_ETH) throw new TypeError(`Lido rules of ${network} allow min-bid ${maxMinBid} ETH, above Lido's ${LIDO_MAX_MIN_BID_ETH}`);
  if (rules.builderBoostFactor !== undefined && rules.builderBoostFactor !== boostFactor) {
    throw new TypeError(`Lido rules of ${network} ask for builder boost factor ${rules.builderBoostFactor}, not Lido's ${boostFactor}`);
  }

  if (request.feeRecipient?.toLowerCase() !== vault.toLowerCase()) {
    violations.push({
      rule: 'fee-recipient',
      field: 'fee_recipient',
      value: request.feeRecipient ?? 'unset',
      message: `Lido mode requires fee_recipient to be Lido's Execution Layer Rewards Vault on ${network}, ${vault}; got ${request.feeRecipient ?? 'none'}. Set fee_recipient to ${vault}`,
    });
  }

  const allowList = rules.relayAllowList.relays;
  const mandatory = allowList.filter((relay) => relay.mandatory);
  const mandatoryNames = mandatory.map(relayName).join(', ');
  const snapshot = `the Lido relay allow-list for ${network} (${rules.relayAllowList.source}${rules.relayAllowList.asOf ? `, as of ${rules.relayAllowList.asOf}` : ''})`;
  if (!request.mevBoost) {
    if (mandatory.length > 0) {
      violations.push({
        rule: 'mandatory-relay',
        field: 'mev_boost.enabled',
        value: 'false',
        message: `Lido mode requires MEV-Boost with at least one mandatory relay from ${snapshot}, but MEV-Boost is off. Enable mev_boost and include one of: ${mandatoryNames}`,
      });
    }
  } else {
    const allowed = new Map<string, LidoRelay>();
    for (const relay of allowList) {
      const key = relayKey(relay.url);
      if (key !== undefined) allowed.set(key, relay);
    }
    const lookup = (url: string): LidoRelay | undefined => {
      const key = relayKey(url);
      return key === undefined ? undefined : allowed.get(key);
    };
    if (allowList.length === 0) {
      violations.push({
        rule: 'relay-allow-list',
        field: 'mev_boost.enabled',
        value: 'true',
        message: `Lido mode allows no MEV-Boost relays on ${network}: ${snapshot} is empty. Set mev_boost.enabled to false to build blocks locally`,
      });
    } else {
      request.mevBoost.relays.forEach((url, index) => {
        if (lookup(url) === undefined) {
          violations.push({
            rule: 'relay-allow-list',
            field: `mev_boost.relays[${index}]`,
            value: url,
            message: `Lido mode allows only relays from ${snapshot}; ${url} is not on it. Remove it or pick from: ${allowList.map(relayName).join(', ')}`,
          });
        }
      });
      const usesMandatory = request.mevBoost.relays.some((url) => lookup(url)?.mandatory === true);
      if (mandatory.length > 0 && !usesMandatory) {
        violations.push({
          rule: 'mandatory-relay',
          field: 'mev_boost.relays',
          value: request.mevBoost.relays.join(', ') || 'none',
          message: `Lido mode requires at least one relay marked mandatory in ${snapshot}; none of the ${request.mevBoost.relays.length} given is. Add one of: ${mandatoryNames}`,
        });
      }
    }
    const minBid = request.mevBoost.minBidEth ?? 0;
    if (minBid > maxMinBid) {
      violations.push({
        rule: 'min-bid',
        field: 'mev_boost.min_bid_eth',
        value: String(minBid),
        message: `Lido mode caps MEV-Boost min-bid at ${maxMinBid} ETH; got ${minBid} ETH. Set mev_boost.min_bid_eth to ${maxMinBid} or less (0 accepts any bid)`,
      });
    }
  }

  if (request.builderBoostFactorSupported && request.builderBoostFactor !== boostFactor) {
    violations.push({
      rule: 'builder-boost-factor',
      field: 'builder_boost_factor',
      value: request.builderBoostFactor === undefined ? 'unset' : String(request.builderBoostFactor),
      message: `Lido mode requires builder_boost_factor ${boostFactor} (builder and local blocks weighed equally); got ${request.builderBoostFactor ?? "the client's default"}. Set builder_boost_factor to ${boostFactor}`,
    });
  }
  return violations;
}

/** One OSB error description for a refused provision or update. */
export const describeLidoViolations = (violations: readonly LidoViolation[]): string =>
  `Refused by Lido mode: ${violations.map((v) => `[${v.rule}] ${v.message}`).join('; ')}`;
