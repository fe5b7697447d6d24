import { describe, expect, it } from 'vitest';
import {
  LIDO_EXECUTION_LAYER_REWARDS_VAULTS,
  checkLidoRules,
  describeLidoViolations,
  relayKey,
  type LidoCheckRequest,
  type LidoNetworkRules,
} from '../../src/lido';

const FLASHBOTS =
  'https://0xac6e77dfe25ecd6110b8e780608cce0dab71fdd5ebea22a16c0205200f2f8e2e3ad3b71d3499c54ad14d6c21b41a37ae@boost-relay.flashbots.net';
const ULTRASOUND =
  'https://0xa1559ace749633b997cb3fdacffb890aeebdb0f5a3b6aaa7eeeaf1a38af0a8fe88b9e4b1f61f236d2e64d95733327a62@relay.ultrasound.money';
const TITAN =
  'https://0x8c4ed5e24fe5c6ae21018437bde147693f68cda427cd1122cf20819c30eda7ed74f72dece09bb313f2a1855595ab677d@global.titanrelay.xyz';
const UNLISTED = `https://0x${'ab'.repeat(48)}@relay.example.org`;

const MAINNET: LidoNetworkRules = {
  network: 'mainnet',
  relayAllowList: {
    source: 'MEVBoostRelayAllowedList 0xF95f069F9AD107938F6ba802a3da87892298610E get_relays()',
    asOf: '2026-08-21',
    relays: [
      { url: FLASHBOTS, operator: 'Flashbots', mandatory: true },
      { url: ULTRASOUND, operator: 'Ultra Sound', mandatory: true },
      { url: TITAN, operator: 'Titan', mandatory: false },
    ],
  },
};

const SEPOLIA: LidoNetworkRules = {
  network: 'sepolia',
  relayAllowList: { source: 'none on sepolia', relays: [] },
};

const VAULT = LIDO_EXECUTION_LAYER_REWARDS_VAULTS.mainnet;

const compliant: LidoCheckRequest = {
  network: 'mainnet',
  feeRecipient: VAULT,
  mevBoost: { relays: [FLASHBOTS, TITAN], minBidEth: 0.05 },
  builderBoostFactor: 100,
  builderBoostFactorSupported: true,
};

const rulesBroken = (rules: LidoNetworkRules, request: Partial<LidoCheckRequest>) =>
  checkLidoRules(rules, { ...compliant, ...request }).map((v) => `${v.rule} ${v.field}=${v.value}`);

describe('Lido rules', () => {
  it('accepts a compliant validator', () => {
    expect(checkLidoRules(MAINNET, compliant)).toEqual([]);
  });

  it('knows each network vault (clients.md §3.2)', () => {
    expect(LIDO_EXECUTION_LAYER_REWARDS_VAULTS).toEqual({
      mainnet: '0x388C818CA8B9251b393131C08a736A67ccB19297',
      hoodi: '0x9b108015fe433F173696Af3Aa0CF7CDb3E104258',
      sepolia: '0x94B1B8e2680882f8652882e7F196169dE3d9a3B2',
    });
  });

  it.each<[string, LidoNetworkRules, Partial<LidoCheckRequest>, string[]]>([
    ['vault in lower case', MAINNET, { feeRecipient: VAULT.toLowerCase() }, []],
    ['another fee recipient', MAINNET, { feeRecipient: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' }, ['fee-recipient fee_recipient=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed']],
    ['no fee recipient', MAINNET, { feeRecipient: undefined }, ['fee-recipient fee_recipient=unset']],
    ['the hoodi vault on mainnet', MAINNET, { feeRecipient: LIDO_EXECUTION_LAYER_REWARDS_VAULTS.hoodi }, [`fee-recipient fee_recipient=${LIDO_EXECUTION_LAYER_REWARDS_VAULTS.hoodi}`]],
    ['an unlisted relay', MAINNET, { mevBoost: { relays: [FLASHBOTS, UNLISTED] } }, [`relay-allow-list mev_boost.relays[1]=${UNLISTED}`]],
    ['a malformed relay', MAINNET, { mevBoost: { relays: [FLASHBOTS, 'http://relay'] } }, ['relay-allow-list mev_boost.relays[1]=http://relay']],
    ['a listed relay in another case with a trailing slash', MAINNET, { mevBoost: { relays: [`${FLASHBOTS.toUpperCase().replace('HTTPS', 'https').replace('0X', '0x')}/`] } }, []],
    ['only optional relays', MAINNET, { mevBoost: { relays: [TITAN] } }, [`mandatory-relay mev_boost.relays=${TITAN}`]],
    ['MEV-Boost off where mandatory relays exist', MAINNET, { mevBoost: undefined }, ['mandatory-relay mev_boost.enabled=false']],
    ['MEV-Boost off where the allow-list is empty', SEPOLIA, { network: 'sepolia', feeRecipient: LIDO_EXECUTION_LAYER_REWARDS_VAULTS.sepolia, mevBoost: undefined }, []],
    ['MEV-Boost on where the allow-list is empty', SEPOLIA, { network: 'sepolia', feeRecipient: LIDO_EXECUTION_LAYER_REWARDS_VAULTS.sepolia }, ['relay-allow-list mev_boost.enabled=true']],
    ['min-bid at the limit', MAINNET, { mevBoost: { relays: [FLASHBOTS], minBidEth: 0.07 } }, []],
    ['min-bid above the limit', MAINNET, { mevBoost: { relays: [FLASHBOTS], minBidEth: 0.0701 } }, ['min-bid mev_boost.min_bid_eth=0.0701']],
    ['min-bid unset (0)', MAINNET, { mevBoost: { relays: [FLASHBOTS] } }, []],
    ['boost factor 90', MAINNET, { builderBoostFactor: 90 }, ['builder-boost-factor builder_boost_factor=90']],
    ['boost factor left to the client', MAINNET, { builderBoostFactor: undefined }, ['builder-boost-factor builder_boost_factor=unset']],
    ['boost factor 90 on a client without the setting', MAINNET, { builderBoostFactor: 90, builderBoostFactorSupported: false }, []],
  ])('%s', (_, rules, request, expected) => {
    expect(rulesBroken(rules, request)).toEqual(expected);
  });

  it('reports every broken rule at once', () => {
    expect(
      rulesBroken(MAINNET, { feeRecipient: undefined, mevBoost: { relays: [UNLISTED], minBidEth: 1 }, builderBoostFactor: 0 }).map((v) => v.split(' ')[0]),
    ).toEqual(['fee-recipient', 'relay-allow-list', 'mandatory-relay', 'min-bid', 'builder-boost-factor']);
  });

  it('takes a stricter min-bid cap from the operator', () => {
    const rules: LidoNetworkRules = { ...MAINNET, executionLayerRewardsVault: VAULT.toLowerCase(), maxMinBidEth: 0.01, builderBoostFactor: 100 };
    expect(rulesBroken(rules, { mevBoost: { relays: [FLASHBOTS], minBidEth: 0.01 } })).toEqual([]);
    expect(rulesBroken(rules, { mevBoost: { relays: [FLASHBOTS], minBidEth: 0.02 } })).toEqual(['min-bid mev_boost.min_bid_eth=0.02']);
  });

  it.each<[string, Partial<LidoNetworkRules>, RegExp]>([
    ['another vault', { executionLayerRewardsVault: '0x1111111111111111111111111111111111111111' }, /name vault 0x1111111111111111111111111111111111111111, not Lido's 0x388C/],
    ['a looser min-bid cap', { maxMinBidEth: 0.5 }, /allow min-bid 0.5 ETH, above Lido's 0.07/],
    ['another boost factor', { builderBoostFactor: 90 }, /builder boost factor 90, not Lido's 100/],
  ])('never applies weakened rules (%s): the catalog refuses them, so reaching here is a bug', (_, override, message) => {
    expect(() => checkLidoRules({ ...MAINNET, ...override }, compliant)).toThrow(TypeError);
    expect(() => checkLidoRules({ ...MAINNET, ...override }, compliant)).toThrow(message);
  });

  it('messages name the rule, the bad value and the fix', () => {
    const [fee, relay, mandatory] = checkLidoRules(MAINNET, { ...compliant, feeRecipient: undefined, mevBoost: { relays: [UNLISTED] } });
    expect(fee!.message).toBe(
      `Lido mode requires fee_recipient to be Lido's Execution Layer Rewards Vault on mainnet, ${VAULT}; got none. Set fee_recipient to ${VAULT}`,
    );
    expect(relay!.message).toContain(`${UNLISTED} is not on it. Remove it or pick from: Flashbots, Ultra Sound, Titan`);
    expect(relay!.message).toContain('as of 2026-08-21');
    expect(mandatory!.message).toContain('Add one of: Flashbots, Ultra Sound');
    expect(describeLidoViolations([fee!, relay!])).toMatch(/^Refused by Lido mode: \[fee-recipient\] Lido mode requires .*; \[relay-allow-list\] /);
  });

  it('refuses to apply one network rules to another network', () => {
    expect(() => checkLidoRules(SEPOLIA, compliant)).toThrow(/Lido rules of sepolia applied to a mainnet instance/);
  });

  it.each<[string, string | undefined]>([
    [FLASHBOTS, `${FLASHBOTS.slice(8, 8 + 98)}@boost-relay.flashbots.net`],
    ['https://0xAB@relay.example.org', undefined],
    ['http://0x' + 'ab'.repeat(48) + '@relay.example.org', undefined],
    ['not a url', undefined],
  ])('relayKey(%s)', (url, key) => {
    expect(relayKey(url)).toBe(key);
  });
});
