import { CONSENSUS, EXECUTION, MEV_BOOST, comboSupport, validatorKeysSupport } from '../../modules/clients';
import type { ClientRegistry } from './registry';

/** The catalog's view of the client definitions in modules/clients. */
export function defaultClientRegistry(): ClientRegistry {
  return {
    displayName: (client) =>
      client === 'mev-boost'
        ? MEV_BOOST.displayName
        : client in EXECUTION
          ? EXECUTION[client as keyof typeof EXECUTION].displayName
          : CONSENSUS[client as keyof typeof CONSENSUS].displayName,
    engineApiVersion: (client) =>
      client in EXECUTION
        ? EXECUTION[client as keyof typeof EXECUTION].engineApi.label
        : CONSENSUS[client as keyof typeof CONSENSUS].engineApi.label,
    hasSeparateValidatorClient: (client) => CONSENSUS[client].validatorClient.runs === 'separate',
    supportsWeb3signer: (client) => validatorKeysSupport(client, 'web3signer').ok,
    comboSupport: (execution, consensus, network) => {
      const support = comboSupport(execution, consensus, network);
      return support.ok ? { supported: true } : { supported: false, reason: support.reason };
    },
  };
}
