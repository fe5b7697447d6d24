import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load';
import { ConfigError } from '../../src/errors';
import { loadTeamStacks, parseTeamStackEntries, parseTeamStacks, stacksFilePathFromEnv, type TeamStack } from '../../src/stacks-file/stacks-file';

const catalog = loadCatalog();
const SOURCE = 'stacks.yaml';
const FEE = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const dir = mkdtempSync(join(tmpdir(), 'ovsb-stacks-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (text: string, files: Record<string, string> = {}) =>
  parseTeamStacks(text, SOURCE, catalog, (file) => {
    const content = files[file];
    if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return content;
  });

function configError(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const VALID = `
stacks:
  - name: team-hoodi-sandbox
    plan: geth-lighthouse-validator-sandbox-hoodi
    parameters:
      fee_recipient: "${FEE}"
      graffiti: team
      execution_storage_gi: 300
  - name: team-hoodi-rpc
    plan: ovsb-nethermind-teku/rpc-kubernetes-hoodi
    instance_name: team-rpc-1
    backend: { kind: pg, schema_name: team_hoodi_rpc }
  - name: team-boost
    plan: mev-boost-sandbox-hoodi
broker:
  image: registry.example.com/ovsb:0.1.0
  replicas: 3
  catalog_file: ops/catalog.yaml
  resources: { memory_limit: 8Gi }
  extra_env: { AWS_REGION: eu-west-1 }
  backend: { kind: s3, bucket: team-state, key: ovsb-broker.tfstate, region: eu-west-1 }
  gateway: { replicas: 2, public_url: "https://rpc.example.org/" }
`;

describe('parseTeamStacks', () => {
  const stacks = parse(VALID, { 'ops/catalog.yaml': 'broker: {}\n' });
  const byName = (name: string): TeamStack => stacks.find((s) => s.name === name)!;

  it('GIVEN plans by stack name, service/plan and a MEV-Boost plan THEN each resolves to its stack kind', () => {
    expect(stacks.map((s) => [s.name, s.kind])).toEqual([
      ['team-hoodi-sandbox', 'node'],
      ['team-hoodi-rpc', 'node'],
      ['team-boost', 'mev-boost'],
      ['ovsb-broker', 'broker'],
    ]);
  });

  it('THEN parameters resolve like an OSB provision: fee recipient, storage override, stack name as instance name', () => {
    const stack = byName('team-hoodi-sandbox');
    if (stack.kind !== 'node') throw new Error('node stack expected');
    expect(stack.props).toMatchObject({
      instanceName: 'team-hoodi-sandbox',
      target: 'sandbox',
      network: 'hoodi',
      role: 'validator',
      feeRecipient: FEE,
      graffiti: 'team',
      executionStorageGi: 300,
    });
    expect(stack.props.backend).toBeUndefined();
  });

  it('THEN instance_name and the backend are passed on', () => {
    const stack = byName('team-hoodi-rpc');
    if (stack.kind !== 'node') throw new Error('node stack expected');
    expect(stack.plan.stackName).toBe('nethermind-teku-rpc-kubernetes-hoodi');
    expect(stack.props).toMatchObject({ instanceName: 'team-rpc-1', target: 'kubernetes', backend: { kind: 'pg', schemaName: 'team_hoodi_rpc' } });
  });

  it('THEN the broker section becomes the ovsb-broker stack with the catalog file content', () => {
    const broker = byName('ovsb-broker');
    if (broker.kind !== 'broker') throw new Error('broker expected');
    expect(broker.props).toEqual({
      image: 'registry.example.com/ovsb:0.1.0',
      replicas: 3,
      catalogYaml: 'broker: {}\n',
      resources: { memoryLimit: '8Gi' },
      extraEnv: { AWS_REGION: 'eu-west-1' },
      backend: { kind: 's3', bucket: 'team-state', key: 'ovsb-broker.tfstate', region: 'eu-west-1' },
      gateway: { replicas: 2, publicUrl: 'https://rpc.example.org' },
    });
  });

  it('GIVEN an empty file or no stacks key THEN no stacks', () => {
    expect(parse('')).toEqual([]);
    expect(parse('stacks: []\n')).toEqual([]);
  });
});

describe('parseTeamStacks errors name the file, the path and the reason', () => {
  const entry = (extra: string, plan = 'geth-lighthouse-rpc-sandbox-hoodi', name = 'a') => `stacks:\n  - name: ${name}\n    plan: ${plan}\n${extra}`;
  it.each([
    ['invalid YAML', 'stacks: [\n', 'line 2, column 1', /invalid YAML/],
    ['a typo in a key', entry('    paramters: {}\n'), 'stacks[0].paramters', /unknown key "paramters"; expected one of: name, plan, instance_name, parameters, backend, broker_url, binding \(line 4\)/],
    ['an unknown plan', entry('', 'geth-lighthouse-rpc-k8s-hoodi'), 'stacks[0].plan', /no plan "geth-lighthouse-rpc-k8s-hoodi" in .*\(`ovsb plans` lists them\) \(line 3\)/],
    [
      'an invalid parameter',
      entry(`    parameters: { fee_recipient: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD" }\n`, 'geth-lighthouse-validator-sandbox-hoodi'),
      'stacks[0].parameters.fee_recipient',
      /fee_recipient.*\(plan geth-lighthouse-validator-sandbox-hoodi\) \(line 4\)/,
    ],
    ['an unknown parameter', entry('    parameters: { fee_recipien: x }\n'), 'stacks[0].parameters.fee_recipien', /fee_recipien/],
    ['a kubernetes stack without a backend', entry('', 'geth-lighthouse-rpc-kubernetes-hoodi'), 'stacks[0].backend', /is required for a kubernetes stack: state inside cdktf.out is deleted/],
    ['a local backend without a path for aws', entry('    backend: { kind: local }\n', 'geth-lighthouse-rpc-aws-hoodi'), 'stacks[0].backend', /is required for a aws stack/],
    ['an invalid pg schema', entry('    backend: { kind: pg, schema_name: "drop table" }\n'), 'stacks[0].backend.schema_name', /not a PostgreSQL schema name/],
    ['an unknown backend kind', entry('    backend: { kind: consul }\n'), 'stacks[0].backend.kind', /"consul" is not one of: local, pg, s3/],
    ['an invalid stack name', entry('', 'geth-lighthouse-rpc-sandbox-hoodi', '../escape'), 'stacks[0].name', /not a valid stack name/],
    [
      'a stack name too long for an instance',
      entry('', 'geth-lighthouse-rpc-sandbox-hoodi', 'a-very-long-stack-name-that-is-longer-than-forty-chars'),
      'stacks[0].name',
      /cannot name an instance .*set instance_name to such a name/,
    ],
    [
      'a duplicate stack name',
      `${entry('')}  - name: a\n    plan: geth-lighthouse-rpc-sandbox-hoodi\n`,
      'stacks[1].name',
      /"a" is already the name of stacks\[0\]; stack names must be unique \(line 4\)/,
    ],
    [
      'a duplicate instance name',
      `${entry('    instance_name: shared\n')}  - name: b\n    plan: geth-lighthouse-rpc-sandbox-hoodi\n    instance_name: shared\n`,
      'stacks[1].instance_name',
      /instance name "shared" is already used by stacks\[0\]/,
    ],
    ['a broker without a backend', 'broker: { image: x/y:1 }\n', 'broker.backend', /is required: the broker stack deploys to a cluster/],
    ['a broker catalog file that is missing', 'broker: { catalog_file: nope.yaml, backend: { kind: pg, schema_name: b } }\n', 'broker.catalog_file', /cannot read nope.yaml \(ENOENT\)/],
  ])('GIVEN %s', (_what, text, path, reason) => {
    const error = configError(text);
    expect(error.source).toBe(SOURCE);
    expect(error.path).toBe(path);
    expect(error.reason).toMatch(reason);
  });
});

describe('loadTeamStacks', () => {
  it('GIVEN a file on disk THEN it reads it and the broker catalog relative to it', () => {
    const path = join(dir, 'stacks.yaml');
    writeFileSync(path, `stacks:\n  - name: s\n    plan: geth-lighthouse-rpc-sandbox-hoodi\nbroker: { catalog_file: cat.yaml, backend: { kind: pg, schema_name: ovsb_broker } }\n`);
    writeFileSync(join(dir, 'cat.yaml'), 'x: 1\n');
    const stacks = loadTeamStacks(path, catalog);
    expect(stacks.map((s) => s.name)).toEqual(['s', 'ovsb-broker']);
    expect(stacks[1]!.kind === 'broker' && stacks[1]!.props.catalogYaml).toBe('x: 1\n');
  });

  it('GIVEN a missing file THEN a ConfigError naming it', () => {
    expect(() => loadTeamStacks(join(dir, 'missing.yaml'), catalog, 'missing.yaml')).toThrow(/^missing\.yaml: cannot read the stacks file \(no such file\)/);
  });
});

describe('parseTeamStackEntries', () => {
  it('GIVEN entries THEN names and backends without consulting the catalog', () => {
    expect(parseTeamStackEntries(`stacks:\n  - name: x\n    plan: not-in-any-catalog\n    backend: { kind: pg, schema_name: x }\n`, SOURCE)).toEqual([
      { name: 'x', plan: 'not-in-any-catalog', instanceName: 'x', parameters: {}, backend: { kind: 'pg', schemaName: 'x' }, path: 'stacks[0]' },
    ]);
  });
});

describe('stacksFilePathFromEnv', () => {
  it.each([
    [{}, 'stacks.yaml'],
    [{ OVSB_STACKS_FILE: ' ' }, 'stacks.yaml'],
    [{ OVSB_STACKS_FILE: 'ops/team.yaml' }, 'ops/team.yaml'],
  ])('%j -> %s', (env, path) => {
    expect(stacksFilePathFromEnv(env)).toBe(path);
  });
});
