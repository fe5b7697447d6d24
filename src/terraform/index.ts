/** The terraform runner: what the broker-side glue uses. Layers below are importable from their files. */
export { TerraformRunner } from './runner';
export type { ApplyResult, DestroyOptions, DestroyResult, LeaseFacts, RunOptions, TerraformRunnerConfig, UpdateOptions, UpdateResult } from './runner';
export { terraformRunnerSettings } from './settings';
export type { TerraformRunnerSettings } from './settings';
export { TerraformError } from './errors';
export type { TerraformFailure } from './errors';
export type { StateBackend } from './backends';
export type { RunProgress, ProgressListener } from './progress';
export type { TerraformOutput, TerraformOutputs } from './parse';
export type { TerraformLog } from './log';
export { defaultDataVolumePredicate } from './data-volumes';
export type { DataVolumeChange, DataVolumePredicate } from './data-volumes';
