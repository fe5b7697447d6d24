/** Stack props for tests: every client at the bundled catalog's version. */
import type { ConsensusClientName, ExecutionClientName, Network, Role, Target } from '../../modules/clients/types';
import type { MevBoostStackProps, NodeStackProps, ValidatorKeysRef } from '../../stacks/props';

export const EXECUTION_VERSIONS: Readonly<Record<ExecutionClientName, string>> = {
  geth: 'v1.16.7',
  nethermind: '2.2.1',
  besu: '25.11.0',
  erigon: 'v3.8.1',
  reth: 'v2.8.1',
};

export const CONSENSUS_VERSIONS: Readonly<Record<ConsensusClientName, string>> = {
  lighthouse: 'v8.3.3',
  prysm: 'v7.3.1',
  teku: '26.10.2',
  nimbus: 'multiarch-v25.11.0',
  lodestar: 'v1.50.1',
  grandine: '2.0.0',
};

/**
 * Sepolia runs Glamsterdam: only these clients have a release known to follow it (modules/clients/forks.ts;
 * written out: a change to that table shows up here). Pairs with another client are refused there.
 */
export const SEPOLIA_CLIENTS: readonly (ExecutionClientName | ConsensusClientName)[] = [
  'nethermind',
  'erigon',
  'reth',
  'lighthouse',
  'prysm',
  'teku',
  'lodestar',
];

/** Whether the pair can run on the network at the versions above. */
export const runsOn = (plan: Pick<NodePlan, 'execution' | 'consensus' | 'network'>): boolean =>
  plan.network !== 'sepolia' || (SEPOLIA_CLIENTS.includes(plan.execution) && SEPOLIA_CLIENTS.includes(plan.consensus));

/** Sepolia's Glamsterdam enshrines proposer-builder separation (EIP-7732): no MEV-Boost there. */
export const hasMevBoost = (network: Network): boolean => network !== 'sepolia';

/** EIP-55's own test vector: a checksummed address. */
export const FEE_RECIPIENT = '0x52908400098527886E0F7030069857D2E4169EE7';

export const RELAYS: Readonly<Record<Network, readonly string[]>> = {
  mainnet: [
    'https://0xac6e77dfe25ecd6110b8e780608cce0dab71fdd5ebea22a16c0205200f2f8e2e3ad3b71d3499c54ad14d6c21b41a37ae@boost-relay.flashbots.net',
  ],
  hoodi: [
    'https://0xafa4c6985aa049fb79dd37010438cfebeb0f2bd42b115b89dd678dab0670c1de38da0c4e9138c9290a398ecd9a0b3110@boost-relay-hoodi.flashbots.net',
  ],
  sepolia: [
    'https://0x845bd072b7cd566f02faeb0a4033ce9399e42839ced64e8b2adcfc859ed1e8e1a5a293336a49feac6d9a5edb779be53a@boost-relay-sepolia.flashbots.net',
  ],
};

export const MEV_BOOST_VERSION = '1.10.1';

export interface NodePlan {
  readonly execution: ExecutionClientName;
  readonly consensus: ConsensusClientName;
  readonly role: Role;
  readonly target: Target;
  readonly network: Network;
}

/** A key set by reference, as each target takes it. */
export const VALIDATOR_KEYS: Readonly<Record<Target, ValidatorKeysRef>> = {
  kubernetes: { kind: 'kubernetes-secret', secretName: 'validator-keys' },
  sandbox: { kind: 'kubernetes-secret', secretName: 'validator-keys' },
  aws: { kind: 'aws-secret', secretId: 'ovsb/validator-keys' },
};

export function nodeProps(plan: NodePlan, overrides: Partial<NodeStackProps> = {}): NodeStackProps {
  const validator = plan.role === 'validator';
  return {
    instanceName: 'i-abcdefghijklmnop',
    target: plan.target,
    network: plan.network,
    role: plan.role,
    execution: { client: plan.execution, version: EXECUTION_VERSIONS[plan.execution] },
    consensus: { client: plan.consensus, version: CONSENSUS_VERSIONS[plan.consensus] },
    ...(validator
      ? {
          feeRecipient: FEE_RECIPIENT,
          graffiti: 'ovsb',
          ...(hasMevBoost(plan.network) && { mevBoost: { version: MEV_BOOST_VERSION, relays: RELAYS[plan.network], minBidEth: 0.01 } }),
          validatorKeys: VALIDATOR_KEYS[plan.target],
        }
      : {}),
    ...overrides,
  };
}

export function mevBoostProps(target: Target, network: Network, overrides: Partial<MevBoostStackProps> = {}): MevBoostStackProps {
  return {
    instanceName: 'i-mevboost0000000',
    target,
    network,
    version: MEV_BOOST_VERSION,
    relays: RELAYS[network],
    minBidEth: 0.05,
    ...overrides,
  };
}
