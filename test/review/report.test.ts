import { describe, expect, it } from 'vitest';
import { diffStackSets, type StackConfig } from '../../src/review/diff';
import { REVIEW_MARKER, renderMarkdown } from '../../src/review/markdown';
import { buildReport, reportToJson, type LivePlan } from '../../src/review/report';
import { awsStack, kubernetesStack, sandboxStack } from './fixtures';

const revisions = { base: { ref: 'origin/main', commit: 'a'.repeat(40) }, head: { ref: 'HEAD', commit: 'b'.repeat(40) } };

/** 30 kubernetes stacks and 30 sandbox stacks moving geth v1.16.7 -> v1.16.8, plus one volume change. */
function fleet() {
  const base = new Map<string, StackConfig>();
  const head = new Map<string, StackConfig>();
  for (let i = 0; i < 30; i++) {
    const k = `geth-c${i}-validator-kubernetes-hoodi`;
    const s = `geth-c${i}-validator-sandbox-hoodi`;
    base.set(k, kubernetesStack(k));
    head.set(k, kubernetesStack(k, { gethTag: 'v1.16.8' }));
    base.set(s, sandboxStack(s));
    head.set(s, sandboxStack(s, { gethTag: 'v1.16.8' }));
  }
  const big = 'besu-teku-rpc-kubernetes-mainnet';
  base.set(big, kubernetesStack(big));
  head.set(big, kubernetesStack(big, { storage: '1400Gi' }));
  const still = 'nethermind-teku-rpc-aws-mainnet';
  base.set(still, awsStack(still));
  head.set(still, awsStack(still));
  return buildReport(diffStackSets(base, head), revisions);
}

describe('buildReport', () => {
  const report = fleet();

  it('THEN the summary counts stacks, resources and findings', () => {
    expect(report.summary).toEqual({
      baseStacks: 62,
      headStacks: 62,
      added: 0,
      removed: 0,
      changed: 61,
      unchanged: 1,
      resources: { create: 0, update: 60, replace: 1, delete: 0 },
      destructiveStacks: 1,
      versionChangeStacks: 60,
      replacementStacks: 0,
    });
    expect(report.destructive).toBe(true);
  });

  it('THEN identical image changes group across stacks', () => {
    expect(report.images).toHaveLength(1);
    expect(report.images[0]).toMatchObject({ repository: 'ethereum/client-go', before: 'v1.16.7', after: 'v1.16.8', note: 'takes in security or high-urgency release v1.16.8' });
    expect(report.images[0]!.stacks).toHaveLength(60);
  });

  it('THEN stacks with identical diffs form one group, destructive groups first', () => {
    expect(report.groups.map((g) => [g.stacks.length, g.destructive])).toEqual([
      [1, true],
      [30, false],
      [30, false],
    ]);
    expect(report.groups[0]!.stacks).toEqual(['besu-teku-rpc-kubernetes-mainnet']);
  });

  it('THEN destructive findings come first, grouped by message', () => {
    expect(report.findings.map((f) => [f.kind, f.stacks.length])).toEqual([['destructive', 1]]);
  });

  it('GIVEN a live plan that replaces a data volume THEN the report is destructive even without a config change', () => {
    const livePlans: LivePlan[] = [
      {
        stack: 'team',
        status: 'planned',
        counts: { add: 1, change: 0, remove: 1 },
        changes: [{ address: 'aws_ebs_volume.node_data', action: 'replace', dataVolume: true }],
      },
    ];
    const quiet = buildReport(diffStackSets(new Map(), new Map()), revisions, { livePlans });
    expect(quiet.destructive).toBe(true);
    expect(renderMarkdown(quiet)).toContain('⚠️ `replace` `aws_ebs_volume.node_data`');
  });
});

describe('renderMarkdown', () => {
  const report = fleet();
  const markdown = renderMarkdown(report);

  it('THEN it starts with the marker, the title and the summary table', () => {
    const lines = markdown.split('\n');
    expect(lines[0]).toBe(REVIEW_MARKER);
    expect(lines[1]).toBe(`## OVSB plan review: \`origin/main\` (\`${'a'.repeat(12)}\`) → \`HEAD\` (\`${'b'.repeat(12)}\`)`);
    expect(markdown.indexOf('| ⚠️ Stacks with destructive changes | 1 |')).toBeLessThan(markdown.indexOf('### '));
    expect(markdown).toContain('| Resources to create / update / replace / destroy | 0 / 60 / 1 / 0 |');
  });

  it('THEN the destructive change is loud and names the volume change', () => {
    expect(markdown).toContain('**⚠️ DESTRUCTIVE changes found');
    expect(markdown).toContain(
      "- ⚠️ **DESTRUCTIVE** node/execution (kubernetes_stateful_set_v1, StatefulSet with data volumes) is replaced (spec.volume_claim_template changed): spec.volume_claim_template[data].spec.resources.requests.storage 1000Gi → 1400Gi in **1 stack**",
    );
  });

  it('THEN the version change is one line for all 60 stacks', () => {
    expect(markdown).toContain('- ⬆️ **CLIENT VERSION** `ethereum/client-go` `v1.16.7` → `v1.16.8`: **takes in security or high-urgency release v1.16.8** in **60 stacks**');
    expect(markdown).toContain(', and 20 more</details>');
  });

  it('THEN each group of stacks has a details block with attribute paths and old -> new values', () => {
    expect(markdown.match(/<details><summary><code>/g)).toHaveLength(3);
    expect(markdown).toContain('<code>geth-c0-validator-kubernetes-hoodi</code> and 29 more stacks');
    expect(markdown).toContain('  - `spec.template.spec.container[execution].image`: `ethereum/client-go:v1.16.7` → `ethereum/client-go:v1.16.8`');
    expect(markdown).toContain('- `-/+` **node/execution** (kubernetes_stateful_set_v1) **replaced**');
  });

  it('GIVEN a size limit THEN sections that do not fit are left out with a note, and the output stays within it', () => {
    const limited = renderMarkdown(report, { maxChars: 2500 });
    expect(limited.length).toBeLessThanOrEqual(2500);
    expect(limited).toContain('left out to stay within the comment size limit');
    expect(limited).toContain('⚠️ **DESTRUCTIVE**');
  });

  it('GIVEN no changes THEN it says so', () => {
    const empty = renderMarkdown(buildReport(diffStackSets(new Map([['x', sandboxStack('x')]]), new Map([['x', sandboxStack('x')]])), revisions));
    expect(empty).toContain('No synthesised stack changes (1 stacks compared).');
  });

  it('GIVEN a script in a local THEN its lines appear as a diff block', () => {
    const base = new Map([['a', awsStack('a')]]);
    const head = new Map([['a', awsStack('a', { gethTag: 'v1.16.8' })]]);
    const text = renderMarkdown(buildReport(diffStackSets(base, head), revisions));
    expect(text).toContain(
      [
        '- `~` **local.node_user_data_44444444**',
        '  - (value):',
        '    ```diff',
        '    - docker run -d --name execution ethereum/client-go:v1.16.7 --hoodi --http',
        '    + docker run -d --name execution ethereum/client-go:v1.16.8 --hoodi --http',
        '    ```',
      ].join('\n'),
    );
  });

  it('GIVEN notes THEN they are quoted under the summary', () => {
    const noted = renderMarkdown(buildReport(diffStackSets(new Map(), new Map()), revisions, { notes: ['The base revision has 2 TypeScript errors'] }));
    expect(noted).toContain('> The base revision has 2 TypeScript errors');
  });
});

describe('reportToJson', () => {
  it('GIVEN an attribute that happens to be called `segments` THEN it stays in the report', () => {
    const base = new Map([['s', { resource: { terraform_data: { x: { input: { segments: [1] } } } } }]]);
    const head = new Map([['s', { resource: { terraform_data: { x: { input: { segments: [2] } } } } }]]);
    const json = JSON.parse(reportToJson(buildReport(diffStackSets(base, head), revisions))) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON
    expect(json['groups'][0]['blocks'][0]['changes']).toEqual([{ kind: 'items', path: 'input.segments', removed: [1], added: [2] }]);
  });

  it('THEN it is the whole report with readable paths and no internal path segments', () => {
    const json = JSON.parse(reportToJson(fleet())) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON
    expect(json['destructive']).toBe(true);
    expect(json['groups']).toHaveLength(3);
    const change = json['groups'][0]['blocks'][0]['changes'][0];
    expect(change).toEqual({
      kind: 'changed',
      path: 'spec.volume_claim_template[data].spec.resources.requests.storage',
      before: '1000Gi',
      after: '1400Gi',
    });
  });
});
