/**
 * The command table. Commands load on demand, so `ovsb catalog` never pays for cdktf and the providers.
 * To add a command: a file exporting a `Command`, and one line here.
 */
import type { Command } from './command';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'catalog', summary: 'print the OSB catalog JSON', load: async () => (await import('./catalog-command')).catalogCommand },
  { name: 'plans', summary: 'list plans: stack name, plan id, service', load: async () => (await import('./plans-command')).plansCommand },
  { name: 'synth', summary: 'synthesise plans into Terraform JSON (cdktf layout)', load: async () => (await import('./synth-command')).synthCommand },
  { name: 'serve', summary: 'run the Open Service Broker (HTTP API + terraform worker)', load: async () => (await import('./serve')).serveCommand },
  { name: 'forks', summary: 'scheduled forks, time left, and which plans and instances are ready', load: async () => (await import('./forks-command')).forksCommand },
  { name: 'releases', summary: 'check pinned releases against the release data, or refresh it', load: async () => (await import('./releases-command')).releasesCommand },
  { name: 'gateway', summary: 'run the RPC gateway: binding tokens and scopes enforced in front of the nodes', load: async () => (await import('./gateway-command')).gatewayCommand },
  { name: 'review', summary: 'diff the synthesised stacks of two git revisions (PR plan review)', load: async () => (await import('./review')).reviewCommand },
  { name: 'provider', summary: 'install terraform-provider-ovsb into a filesystem mirror for terraform init', load: async () => (await import('./provider-command')).providerCommand },
  { name: 'help', summary: 'show this help, or a command\'s usage', load: async () => (await import('./help-command')).helpCommand },
];

export const findCommand = (name: string): CommandEntry | undefined => COMMANDS.find((c) => c.name === name);
