/**
 * The providers every synthesised stack needs, gathered into one configuration so that
 * `terraform providers mirror` can fill a filesystem mirror with all of them at once. The Dockerfile runs
 * it at image build (`node dist/src/terraform/provider-requirements.js <synth out dir> <output file>`):
 * the image then carries every provider, and a pod start never downloads one (OVSB_PROVIDER_MIRROR).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isObject } from '../json';

export interface ProviderRequirement {
  readonly source: string;
  readonly version?: string;
}

/** `terraform.required_providers` of every `stacks/<name>/cdk.tf.json` under `synthDir`, by local name. */
export function providerRequirements(synthDir: string): Record<string, ProviderRequirement> {
  const stacksDir = join(synthDir, 'stacks');
  const found: Record<string, ProviderRequirement> = {};
  for (const stack of readdirSync(stacksDir)) {
    const config: unknown = JSON.parse(readFileSync(join(stacksDir, stack, 'cdk.tf.json'), 'utf8'));
    const terraform = isObject(config) ? config['terraform'] : undefined;
    const required = isObject(terraform) ? terraform['required_providers'] : undefined;
    if (!isObject(required)) continue;
    for (const [name, requirement] of Object.entries(required)) {
      if (!isObject(requirement) || typeof requirement['source'] !== 'string') continue;
      const next = { source: requirement['source'], ...(typeof requirement['version'] === 'string' && { version: requirement['version'] }) };
      const seen = found[name];
      if (seen !== undefined && (seen.source !== next.source || seen.version !== next.version)) {
        throw new Error(`stack ${stack} requires provider ${name} as ${JSON.stringify(next)}, another stack as ${JSON.stringify(seen)}; one mirror cannot serve both`);
      }
      found[name] = next;
    }
  }
  return found;
}

if (require.main === module) {
  const [synthDir, output] = process.argv.slice(2);
  if (synthDir === undefined || output === undefined) {
    process.stderr.write('usage: node provider-requirements.js <synth out dir> <output .tf.json>\n');
    process.exit(2);
  }
  writeFileSync(output, `${JSON.stringify({ terraform: { required_providers: providerRequirements(synthDir) } }, null, 2)}\n`);
}
