/**
 * `ovsb serve`: the broker (what `npm start` runs). Settings come from OVSB_* variables (src/config.ts);
 * with none set it serves the bundled catalog on 127.0.0.1:8080 with SQLite in ./.ovsb and a generated
 * password printed once. SIGTERM / SIGINT stop it gracefully: running terraform is interrupted and the
 * operation resumes when the broker starts again.
 */
import { startBroker } from '../../broker/server';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import { parseArgs } from './args';
import type { Command } from './command';
import { stopSignal } from './signals';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the Open Service Broker (HTTP API + terraform worker)',
  usage: [
    'ovsb serve',
    '  Serves the OSB v2.17 API. Configuration is read from the environment:',
    '  OVSB_PORT (8080), OVSB_HOST (127.0.0.1), OVSB_USERNAME (ovsb) / OVSB_PASSWORD (generated once, kept in',
    '  the data dir), OVSB_DATA_DIR (./.ovsb), OVSB_DATABASE_URL (postgres://..., default SQLite), OVSB_CATALOG,',
    '  OVSB_TERRAFORM_BIN, OVSB_TF_BACKEND (local|pg|s3), OVSB_MAX_CONCURRENT_APPLIES (4), OVSB_ENCRYPTION_KEY,',
    '  OVSB_PROVIDER_MIRROR, OVSB_LOG_LEVEL (info). Logs are JSON lines on stdout.',
  ].join('\n'),
  async run(args, context) {
    parseArgs(args, {});
    const config = loadConfig(context.env, context.cwd);
    const logger = createLogger({ level: config.logLevel, destination: context.stdout });
    const broker = await startBroker({
      config,
      logger,
      env: context.env,
      announce: (text) => context.stderr.write(text),
    });
    context.stderr.write(`ovsb: broker listening on ${broker.url} (catalog: ${broker.url}/v2/catalog)\n`);
    const signal = await stopSignal();
    logger.info({ signal }, 'stopping');
    await broker.close();
    return 0;
  },
};
