import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load';
import { ConfigError } from '../../src/errors';
import { teamStackDefinitions } from '../../src/stacks-file';

const catalog = loadCatalog();
const dir = mkdtempSync(join(tmpdir(), 'ovsb-team-stacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('teamStackDefinitions', () => {
  it('GIVEN no stacks.yaml in the working directory and no OVSB_STACKS_FILE THEN no team stacks', async () => {
    expect(await teamStackDefinitions({}, dir, catalog)).toEqual([]);
  });

  it('GIVEN OVSB_STACKS_FILE naming a missing file THEN a ConfigError naming it', async () => {
    const failure = teamStackDefinitions({ OVSB_STACKS_FILE: 'ops/team.yaml' }, dir, catalog);
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/^ops\/team\.yaml: cannot read the stacks file/);
  });

  it('GIVEN ./stacks.yaml with a node stack and the broker THEN both build in one app under their names', async () => {
    writeFileSync(
      join(dir, 'stacks.yaml'),
      [
        'stacks:',
        '  - name: team-rpc',
        '    plan: geth-lighthouse-rpc-sandbox-hoodi',
        'broker:',
        '  image: registry.example.com/ovsb:0.1.0',
        '  backend: { kind: pg, schema_name: ovsb_broker }',
        '',
      ].join('\n'),
    );
    const definitions = await teamStackDefinitions({}, dir, catalog);
    expect(definitions.map((d) => d.name)).toEqual(['team-rpc', 'ovsb-broker']);
    const app = new App({ skipValidation: true });
    const [node, broker] = definitions.map((d) => d.build(app).toTerraform() as { terraform: { backend: Record<string, unknown> }; output: Record<string, { value: unknown }> });
    expect(node?.output['target']?.value).toBe('sandbox');
    expect(broker?.terraform.backend).toEqual({ pg: { schema_name: 'ovsb_broker' } });
    expect(broker?.output['broker_url']?.value).toBe('http://ovsb-broker.ovsb.svc.cluster.local:8080');
  });
});
