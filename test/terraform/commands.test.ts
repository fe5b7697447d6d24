import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';

import {
  applyCommand,
  applyPlanCommand,
  describeCommand,
  destroyCommand,
  forceUnlockCommand,
  initCommand,
  outputCommand,
  planCommand,
  showCommand,
  showPlanCommand,
  validateCommand,
  type CommandContext,
  type TerraformCommand,
} from '../../src/terraform/commands';

const ws: CommandContext = {
  cwd: '/data/workspaces/ws-0123',
  cliConfigFile: '/data/terraform/cli.tfrc',
  pluginCacheDir: '/data/terraform/plugin-cache',
  env: { PG_CONN_STR: 'postgres://ovsb:hunter2@db:5432/state', KUBECONFIG: '/etc/kube/config' },
};
const locking = { lockTimeoutSec: 45 };

describe('command builders', () => {
  it.each<[string, TerraformCommand, string[]]>([
    ['init', initCommand(ws, locking), ['init', '-input=false', '-no-color', '-lock-timeout=45s']],
    ['validate', validateCommand(ws), ['validate', '-json', '-no-color']],
    ['plan', planCommand(ws, locking), ['plan', '-input=false', '-json', '-lock-timeout=45s']],
    ['plan saved to a file', planCommand(ws, { ...locking, planFile: '/data/workspaces/ws-0123/update.tfplan' }), ['plan', '-input=false', '-json', '-lock-timeout=45s', '-out=/data/workspaces/ws-0123/update.tfplan']],
    ['apply of a saved plan', applyPlanCommand(ws, locking, '/data/workspaces/ws-0123/update.tfplan'), ['apply', '-input=false', '-json', '-lock-timeout=45s', '/data/workspaces/ws-0123/update.tfplan']],
    ['show of a saved plan', showPlanCommand(ws, '/data/workspaces/ws-0123/update.tfplan'), ['show', '-json', '/data/workspaces/ws-0123/update.tfplan']],
    ['apply', applyCommand(ws, locking), ['apply', '-auto-approve', '-input=false', '-json', '-lock-timeout=45s']],
    ['destroy', destroyCommand(ws, locking), ['destroy', '-auto-approve', '-input=false', '-json', '-lock-timeout=45s']],
    ['output', outputCommand(ws), ['output', '-json']],
    ['show', showCommand(ws), ['show', '-json']],
    ['force-unlock', forceUnlockCommand(ws, 'f2082967-7a34-9a40-a712-870ed3dd15d9'), ['force-unlock', '-force', 'f2082967-7a34-9a40-a712-870ed3dd15d9']],
  ])('%s has the automation flags', (_name, command, args) => {
    expect(command.args).toEqual(args);
    expect(command.cwd).toBe(ws.cwd);
  });

  it('sets the automation environment, the runner CLI config and plugin cache, plus the workspace env', () => {
    expect(applyCommand(ws, locking).env).toEqual({
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_CLI_CONFIG_FILE: '/data/terraform/cli.tfrc',
      TF_PLUGIN_CACHE_DIR: '/data/terraform/plugin-cache',
      PG_CONN_STR: 'postgres://ovsb:hunter2@db:5432/state',
      KUBECONFIG: '/etc/kube/config',
    });
  });

  it('points HOME at the runner\'s own directory when the context names one, and a credential map cannot move it', () => {
    const command = initCommand({ ...ws, homeDir: '/data/terraform/home', env: { HOME: '/root' } }, locking);
    expect(command.env['HOME']).toBe('/data/terraform/home');
    expect(describeCommand(command)).toContain('HOME=/data/terraform/home');
    expect(applyCommand(ws, locking).env['HOME']).toBeUndefined();
  });

  it.each(['-destroy', ''])('refuses %j as a plan file', (planFile) => {
    expect(() => applyPlanCommand(ws, locking, planFile)).toThrow(RangeError);
    expect(() => planCommand(ws, { ...locking, planFile })).toThrow(RangeError);
  });

  it('does not let the workspace env override the automation settings', () => {
    const command = initCommand({ ...ws, env: { TF_CLI_CONFIG_FILE: '/home/op/.terraformrc', TF_INPUT: '1' } }, locking);
    expect(command.env['TF_CLI_CONFIG_FILE']).toBe('/data/terraform/cli.tfrc');
    expect(command.env['TF_INPUT']).toBe('0');
  });

  it('builds immutable values', () => {
    const command = applyCommand(ws, locking);
    expect(Object.isFrozen(command)).toBe(true);
    expect(Object.isFrozen(command.args)).toBe(true);
    expect(Object.isFrozen(command.env)).toBe(true);
  });

  it.each(['-h', '--force', '', 'a b', 'x;rm -rf /'])('refuses %j as a lock id', (lockId) => {
    expect(() => forceUnlockCommand(ws, lockId)).toThrow(RangeError);
  });

  it.each([-1, 1.5, Number.NaN])('refuses lock timeout %s', (lockTimeoutSec) => {
    expect(() => applyCommand(ws, { lockTimeoutSec })).toThrow(RangeError);
  });
});

describe('printing a command redacts secret env values', () => {
  const command = applyCommand(ws, locking);
  const secret = 'hunter2';

  it.each<[string, string]>([
    ['toString', String(command)],
    ['template literal', `${command}`],
    ['JSON.stringify', JSON.stringify(command)],
    ['util.inspect', inspect(command)],
    ['describeCommand', describeCommand(command, '/usr/local/bin/terraform')],
  ])('%s', (_how, printed) => {
    expect(printed).not.toContain(secret);
    expect(printed).not.toContain('/etc/kube/config');
    expect(printed).toContain('PG_CONN_STR');
    expect(printed).toContain('<redacted>');
    expect(printed).toContain('-auto-approve');
  });

  it('keeps harmless values readable', () => {
    expect(describeCommand(command)).toContain('TF_CLI_CONFIG_FILE=/data/terraform/cli.tfrc');
    expect(describeCommand(command)).toMatch(/^terraform apply -auto-approve -input=false -json -lock-timeout=45s \(cwd \/data\/workspaces\/ws-0123;/);
  });
});
