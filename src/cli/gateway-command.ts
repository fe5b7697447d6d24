/**
 * `ovsb gateway`: the RPC gateway in front of the instances' nodes (src/gateway/). A second process of the
 * same package, next to `ovsb serve`; SIGTERM / SIGINT stop it after in-flight requests.
 */
import { createLogger, TOP_LEVEL_REDACTED_PATHS } from '../log';
import { loadGatewaySettings } from '../gateway/settings';
import { startGateway } from '../gateway/server';
import { parseArgs } from './args';
import type { Command } from './command';
import { stopSignal } from './signals';

export const gatewayCommand: Command = {
  name: 'gateway',
  summary: 'run the RPC gateway: binding tokens and scopes enforced in front of the nodes',
  usage: [
    'ovsb gateway',
    '  An HTTP and WebSocket reverse proxy for each instance\'s execution JSON-RPC and beacon API that lets',
    '  through only what a binding token\'s scopes allow. Routes (by path, instance id URL-encoded):',
    '    POST /i/<instance id>/rpc          execution JSON-RPC over HTTP (single calls and batches)',
    '    GET  /i/<instance id>/ws           execution JSON-RPC over WebSocket (eth_subscribe included)',
    '         /i/<instance id>/beacon/...   beacon REST API (GET, HEAD, POST), e.g. .../beacon/eth/v1/node/syncing',
    '    GET  /live, /ready                 probes (ready once the policy is loaded from the broker)',
    '  Tokens: Authorization: Bearer <token>; for clients that can only put a secret in the URL,',
    '  ?access_token=<token> (RFC 6750; never logged nor sent on to the node).',
    '',
    '  Authorization: each JSON-RPC call (each call of a batch; eth_subscribe by subscription type) and each',
    '  beacon route needs a scope action, and the token\'s scopes must cover pool:validator.<instance>:<action>.',
    '  Built in: chain reads (eth_blockNumber, eth_getBalance, eth_call, eth_getLogs, ...) and beacon GETs need',
    '  read.basic (every binding\'s default), eth_sendRawTransaction write.tx, mempool reads read.mempool, beacon',
    '  POSTs write.beacon; admin_*, debug_*, engine_*, personal_*, miner_* and methods using the node\'s keys',
    '  are never exposed; anything unlisted is not offered. A denied call gets a JSON-RPC error in its place',
    '  (-32001 scope, -32601 not offered, -32005 limit). catalog.yaml\'s `gateway:` section extends the tables',
    '  and sets per-plan limits (docs/catalog.md); the gateway reads them from the broker.',
    '',
    '  Revocation bound: a token is trusted for OVSB_GATEWAY_TOKEN_CACHE_SEC (5) after the broker confirmed it,',
    '  so an unbind or deprovision cuts it off within that time, WebSocket connections included.',
    '',
    '  Environment:',
    '    OVSB_GATEWAY_PORT (8081), OVSB_GATEWAY_HOST (127.0.0.1), OVSB_GATEWAY_METRICS_PORT (8082: /metrics)',
    '    OVSB_BROKER_URL (http://127.0.0.1:8080)',
    '    OVSB_INTROSPECT_USERNAME (introspect) / OVSB_INTROSPECT_PASSWORD (default: the broker\'s generated one in',
    '      OVSB_DATA_DIR/introspect-password, ./.ovsb)',
    '    OVSB_GATEWAY_TOKEN_CACHE_SEC (5), OVSB_GATEWAY_INSTANCE_CACHE_SEC (30)',
    '    OVSB_GATEWAY_AUTH_FAILURES_PER_MIN (30 failed token checks per client address, then 429)',
    '    OVSB_GATEWAY_CLIENT_IP_HEADER (none; e.g. x-forwarded-for when behind a trusted proxy)',
    '    OVSB_GATEWAY_MAX_BODY_BYTES (1048576), OVSB_GATEWAY_MAX_BATCH (100), OVSB_GATEWAY_UPSTREAM_TIMEOUT_SEC (30)',
    '    OVSB_GATEWAY_UPSTREAMS (a YAML/JSON file `instances: { <id>: { execution_http_url, execution_ws_url,',
    '      beacon_api_url } }`: node URLs the gateway uses instead of the broker\'s, operator-side)',
    '    OVSB_LOG_LEVEL (info). Access log lines (JSON, stdout) never carry tokens.',
    '',
    '  The broker: set OVSB_GATEWAY_URL to the gateway\'s public URL, and binding credentials give',
    '  <url>/i/<id>/rpc, ws(s)://.../i/<id>/ws and <url>/i/<id>/beacon as execution_http_url, execution_ws_url',
    '  and beacon_api_url (the node URLs stay in the operator\'s view).',
  ].join('\n'),
  async run(args, context) {
    const parsed = parseArgs(args, { flags: ['help'] });
    if (parsed.flags.has('help')) {
      context.stdout.write(`${gatewayCommand.usage}\n`);
      return 0;
    }
    const settings = loadGatewaySettings(context.env, context.cwd);
    // Access lines are flat and carry no secrets by construction; top-level redaction keeps them cheap.
    const logger = createLogger({ level: settings.logLevel, destination: context.stdout, redact: TOP_LEVEL_REDACTED_PATHS });
    const gateway = await startGateway({ settings, logger });
    context.stderr.write(`ovsb: gateway listening on ${gateway.url} (broker ${settings.brokerUrl}, metrics ${gateway.metricsUrl})\n`);
    const signal = await stopSignal();
    logger.info({ signal }, 'stopping');
    await gateway.close();
    return 0;
  },
};
