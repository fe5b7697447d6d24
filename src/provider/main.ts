#!/usr/bin/env node
/**
 * terraform-provider-ovsb: terraform starts this process (go-plugin handshake, tfplugin6 over gRPC).
 * Only the handshake line goes to stdout; everything else to stderr, which terraform logs under TF_LOG.
 */
import { createProvider } from './provider';
import { HandshakeError, servePlugin } from './transport/plugin-server';

const log = (message: string): void => {
  process.stderr.write(`[ovsb-provider] ${message}\n`);
};

async function run(): Promise<void> {
  // A stray console.log must never corrupt the handshake channel.
  console.log = (...args: unknown[]) => log(args.map(String).join(' '));
  // terraform forwards Ctrl-C to the process group and then stops the provider over RPC (as go-plugin does).
  process.on('SIGINT', () => undefined);
  const server = await servePlugin(createProvider({ env: process.env }), {
    env: process.env,
    stdout: process.stdout,
    log,
    onExit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

run().catch((error: unknown) => {
  if (error instanceof HandshakeError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  log(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
