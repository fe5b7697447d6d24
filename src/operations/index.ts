export * from './types';
export { newOperationId } from './ids';
export { ORIGINATING_IDENTITY_HEADER, parseOriginatingIdentity } from './identity';
export { settle, type SettleInput, type Settlement } from './transitions';
export { newReplicaId, replicaIsGone } from './replica';
