/**
 * OSB parameters as platforms send them (snake_case), typed after the JSON Schemas in ./schemas.ts.
 * A value of these types has passed `Catalog.validateParameters`.
 */
import type { Component } from '../../modules/clients/types';
import type { ProbeParameters } from '../probes/parameters';

export type { ProbeParameters };

export type ParameterOperation = 'create' | 'update' | 'bind';

export interface ResourceParameters {
  readonly cpu_request?: string;
  readonly cpu_limit?: string;
  readonly memory_request?: string;
  readonly memory_limit?: string;
}

/** Validator keys by reference; key material is never a parameter. `aws_secret` on AWS plans only. */
export type ValidatorKeysParameter =
  | { readonly kubernetes_secret: string }
  | { readonly aws_secret: string }
  | { readonly web3signer_url: string };

export interface MevBoostParameter {
  readonly enabled?: boolean;
  readonly relays?: readonly string[];
  readonly min_bid_eth?: number;
}

export interface NodeParameters {
  readonly fee_recipient?: string;
  readonly graffiti?: string;
  readonly checkpoint_sync_url?: string;
  readonly mev_boost?: MevBoostParameter;
  readonly builder_boost_factor?: number;
  readonly validator_keys?: ValidatorKeysParameter;
  readonly validator_count?: number;
  readonly doppelganger_protection?: boolean;
  readonly execution_storage_gi?: number;
  readonly consensus_storage_gi?: number;
  readonly resources?: Readonly<Partial<Record<Component, ResourceParameters>>>;
  readonly liveness?: ProbeParameters;
  readonly readiness?: ProbeParameters;
  /** Update only: consent to changes that replace a data volume (the chain resyncs). */
  readonly allow_data_volume_replacement?: boolean;
}

export interface MevBoostServiceParameters {
  readonly relays?: readonly string[];
  readonly min_bid_eth?: number;
}

export interface BindParameters {
  readonly scopes?: readonly string[];
}

/** One failed rule, naming the field (`mev_boost.relays[0]`) the way a platform user wrote it. */
export interface ParameterError {
  /** Dotted path into the parameters; empty for the object itself. */
  readonly field: string;
  /** Complete sentence naming the field, the bad value where it helps, and what is expected. */
  readonly message: string;
}

export type ParameterValidation<P> =
  | { readonly ok: true; readonly parameters: P }
  | { readonly ok: false; readonly errors: readonly ParameterError[] };

/** One line for an OSB error description. */
export const describeParameterErrors = (errors: readonly ParameterError[]): string =>
  `Invalid parameters: ${errors.map((e) => e.message).join('; ')}`;
