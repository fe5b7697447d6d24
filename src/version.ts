/** The broker's own version (package.json), read once: it names the build in /openapi.json and logs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './catalog/load';

let cached: string | undefined;

export function brokerVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
