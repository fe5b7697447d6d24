import {
  CONSENSUS,
  EXECUTION,
  FORKS,
  MEV_BOOST,
  comboSupport,
  networkBuilders,
  networkEngineApi,
  newestFork,
  releaseShortfall,
  validatorKeysSupport,
} from '../../modules/clients';
import { BUNDLED_RELEASE_DATA } from '../../modules/clients/release-data';
import type { ConsensusClientName, ExecutionClientName } from '../../modules/clients/types';
import type { ClientRegistry } from './registry';

const definition = (client: ExecutionClientName | ConsensusClientName) =>
  client in EXECUTION ? EXECUTION[client as ExecutionClientName] : CONSENSUS[client as ConsensusClientName];

/** The catalog's view of the client definitions and release tables in modules/clients. */
export function defaultClientRegistry(): ClientRegistry {
  return {
    releaseData: BUNDLED_RELEASE_DATA,
    displayName: (client) => (client === 'mev-boost' ? MEV_BOOST.displayName : definition(client).displayName),
    engineApiVersion: (client, version) => {
      const fork = newestFork(client, version);
      return fork === undefined ? undefined : FORKS[fork].engineApi.label;
    },
    hasSeparateValidatorClient: (client) => CONSENSUS[client].validatorClient.runs === 'separate',
    supportsWeb3signer: (client) => validatorKeysSupport(client, 'web3signer').ok,
    comboSupport: (execution, consensus, network) => {
      const support = comboSupport(execution, consensus, network);
      if (support.ok) return { supported: true, engineApiVersion: networkEngineApi(network).label };
      const clients = [execution, consensus].filter((pinned) => releaseShortfall(pinned.client, pinned.version, network) !== undefined);
      return { supported: false, reason: support.reason, cause: support.cause, clients: clients.map((pinned) => pinned.client) };
    },
    storage: (client, network) => {
      const minimumGi = client in EXECUTION ? EXECUTION[client as ExecutionClientName].minimumStorageGi?.[network] : undefined;
      return { defaultGi: definition(client).storageGi[network], ...(minimumGi !== undefined && { minimumGi }) };
    },
    builders: networkBuilders,
  };
}
