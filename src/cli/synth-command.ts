import { resolve } from 'node:path';
import type { CatalogPlan } from '../catalog/model';
import { teamStackDefinitions } from '../stacks-file';
import { writeSynthesizedApp } from '../synth';
import { parseArgs } from './args';
import { loadCliCatalog } from './catalog-path';
import { UsageError, type Command } from './command';
import { exampleStackDefinitions } from './synth-plans';

export const synthCommand: Command = {
  name: 'synth',
  summary: 'synthesise plans into Terraform JSON (cdktf layout)',
  usage: [
    'ovsb synth [--plan <stack name | plan id | service/plan>]... [--out DIR]',
    '  Synthesises every plan (or the ones named) with its example parameters into',
    '  DIR/stacks/<stack name>/cdk.tf.json plus DIR/manifest.json. DIR defaults to cdktf.out.',
    '  Without --plan, the stacks of ./stacks.yaml (or OVSB_STACKS_FILE) are synthesised too.',
    '  Stack names: <el>-<cl>-<role>-<target>-<network>, mev-boost-<target>-<network>; `ovsb plans` lists them.',
  ].join('\n'),
  async run(args, context) {
    const parsed = parseArgs(args, { options: ['plan', 'out'] });
    const outValues = parsed.options.get('out') ?? [];
    if (outValues.length > 1) throw new UsageError('--out is given more than once');
    const outdir = resolve(context.cwd, outValues[0] ?? 'cdktf.out');
    const catalog = loadCliCatalog(context);
    const refs = parsed.options.get('plan');
    const plans: CatalogPlan[] = refs ? refs.map((ref) => findOrExplain(catalog.plans, ref, (r) => catalog.findPlanByRef(r))) : [...catalog.plans];
    const examples = exampleStackDefinitions(catalog, plans);
    const written = writeSynthesizedApp(outdir, refs ? examples : [...examples, ...(await teamStackDefinitions(context.env, context.cwd, catalog))]);
    context.stdout.write(
      written.length === 1 ? `${written[0]}/cdk.tf.json\n` : `${written.length} stacks in ${outdir}/stacks\n`,
    );
    return 0;
  },
};

function findOrExplain(
  plans: readonly CatalogPlan[],
  ref: string,
  find: (ref: string) => CatalogPlan | undefined,
): CatalogPlan {
  const plan = find(ref);
  if (plan) return plan;
  // Close matches: the plans sharing the most words with the reference (at least half of them).
  const words = ref.toLowerCase().split(/[-/\s]+/).filter(Boolean);
  const scored = plans.map((p) => ({ p, score: words.filter((w) => p.stackName.split('-').includes(w)).length }));
  const best = Math.max(0, ...scored.map((s) => s.score));
  const close = best * 2 >= words.length && best > 0 ? scored.filter((s) => s.score === best).slice(0, 5).map((s) => `  ${s.p.stackName}`) : [];
  throw new UsageError(
    [
      `unknown plan "${ref}". Name a plan by stack name (<el>-<cl>-<role>-<target>-<network>, e.g. ${plans[0]?.stackName ?? 'geth-lighthouse-validator-kubernetes-mainnet'}), plan id, or service/plan; \`ovsb plans\` lists them all.`,
      ...(close.length ? ['Close matches:', ...close] : []),
    ].join('\n'),
  );
}
