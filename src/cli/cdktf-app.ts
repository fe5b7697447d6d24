/**
 * The app `cdktf.json` runs, so `cdktf synth` writes the same stacks as `ovsb synth`: every plan of
 * OVSB_CATALOG (default: the bundled catalog) with its example parameters, plus the team's stacks of
 * stacks.yaml (OVSB_STACKS_FILE) when there is one, into cdktf's outdir (CDKTF_OUTDIR, set by the cdktf CLI).
 */
import { loadCatalog, catalogPathFromEnv } from '../catalog/load';
import { teamStackDefinitions } from '../stacks-file';
import { writeSynthesizedApp } from '../synth';
import { report } from './main';
import { exampleStackDefinitions } from './synth-plans';

const context = { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr };
async function synthesize(): Promise<void> {
  const catalog = loadCatalog(catalogPathFromEnv(process.env));
  writeSynthesizedApp(undefined, [...exampleStackDefinitions(catalog, catalog.plans), ...(await teamStackDefinitions(process.env, process.cwd(), catalog))]);
}
synthesize().catch((error: unknown) => {
  process.exitCode = report(error, context);
});
