/**
 * go-plugin's server side, as terraform drives it: check the magic cookie and the offered protocol
 * versions, serve gRPC on a unix socket (mutual TLS with terraform's client certificate unless
 * TF_DISABLE_PLUGIN_TLS), print the one handshake line on stdout, and exit promptly when terraform calls
 * plugin.GRPCController/Shutdown. Logs go to stderr only: stdout carries the handshake and nothing else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createServerCertificate, handshakeCertificate } from './certificate';
import { PROTOCOL_DESCRIPTOR } from './protocol-descriptor';
import { Protocol, type Message } from './protobuf';

/** go-plugin's handshake config for terraform providers: fixed values, never to change. */
export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
/** go-plugin's own protocol version (the handshake line's first field). */
export const CORE_PROTOCOL_VERSION = 1;
/** Terraform's plugin protocol major version this provider speaks. */
export const APP_PROTOCOL_VERSION = 6;

export type RpcHandler = (request: Message) => Promise<Message>;
/** tfplugin6.Provider method name -> handler; a method without one answers UNIMPLEMENTED. */
export type ProviderHandlers = Readonly<Record<string, RpcHandler>>;

export interface PluginServerOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly log: (message: string) => void;
  /** Called once the server stopped (Shutdown or a signal); the process should exit. */
  readonly onExit: (code: number) => void;
}

/** Launch refused before any handshake (run by hand, or by a terraform speaking another protocol). */
export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
}

export function checkHandshakeEnv(env: Readonly<Record<string, string | undefined>>): void {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeError(
      'terraform-provider-ovsb is a Terraform plugin: terraform starts it. Install it with `ovsb provider install` and run terraform (docs/terraform-provider.md).',
    );
  }
  const offered = (env['PLUGIN_PROTOCOL_VERSIONS'] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
  // Without the variable go-plugin falls back to the client's single configured version; terraform always sets it.
  if (offered.length > 0 && !offered.includes(String(APP_PROTOCOL_VERSION))) {
    throw new HandshakeError(
      `terraform offers plugin protocol versions ${offered.join(', ')}; this provider speaks version ${APP_PROTOCOL_VERSION} (terraform >= 1.0)`,
    );
  }
}

let protocol: Protocol | undefined;
export const loadProtocol = (): Protocol => (protocol ??= new Protocol(PROTOCOL_DESCRIPTOR));

function serviceDefinition(service: string): grpc.ServiceDefinition {
  const methods = loadProtocol().services.get(service);
  if (!methods) throw new Error(`protocol descriptor has no service ${service}`);
  return Object.fromEntries(
    methods.map((method) => [
      method.name,
      {
        path: `/${service}/${method.name}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (message: Message) => method.request.encode(message),
        requestDeserialize: (bytes: Buffer) => method.request.decode(bytes),
        responseSerialize: (message: Message) => method.response.encode(message),
        responseDeserialize: (bytes: Buffer) => method.response.decode(bytes),
      } satisfies grpc.MethodDefinition<Message, Message>,
    ]),
  );
}

export interface RunningPluginServer {
  readonly socketPath: string;
  stop(): Promise<void>;
}

/**
 * Serves the handlers and writes the handshake line. Throws HandshakeError when terraform did not start
 * the process.
 */
export async function servePlugin(handlers: ProviderHandlers, options: PluginServerOptions): Promise<RunningPluginServer> {
  const { env, log } = options;
  checkHandshakeEnv(env);

  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024, 'grpc.max_send_message_length': 256 * 1024 * 1024 });
  const providerService = serviceDefinition('tfplugin6.Provider');
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(providerService)) {
    const handler = handlers[name];
    implementation[name] = (call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) => {
      if (handler === undefined) {
        callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented by terraform-provider-ovsb` });
        return;
      }
      handler(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => {
          log(`${name} failed (a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          callback({ code: grpc.status.INTERNAL, details: `${name}: ${error instanceof Error ? error.message : String(error)}` });
        },
      );
    };
  }
  server.addService(providerService, implementation);

  const socketDir = mkdtempSync(join(env['PLUGIN_UNIX_SOCKET_DIR'] || env['TMPDIR'] || tmpdir(), 'plugin'));
  const socketPath = join(socketDir, 'ovsb.sock');
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((resolve) => {
      // Calls in flight (the Shutdown call itself) finish first; never wait long.
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 500);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    rmSync(socketDir, { recursive: true, force: true });
  };
  server.addService(serviceDefinition('plugin.GRPCController'), {
    Shutdown: (_call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) => {
      callback(null, {});
      void stop().then(() => options.onExit(0));
    },
  });

  const tlsDisabled = env['TF_DISABLE_PLUGIN_TLS'] !== undefined && env['TF_DISABLE_PLUGIN_TLS'] !== '';
  const clientCert = env['PLUGIN_CLIENT_CERT'];
  let credentials = grpc.ServerCredentials.createInsecure();
  let certField = '';
  if (!tlsDisabled && clientCert !== undefined && clientCert.trim() !== '') {
    const certificate = createServerCertificate();
    credentials = grpc.ServerCredentials.createSsl(Buffer.from(clientCert), [{ private_key: Buffer.from(certificate.keyPem), cert_chain: Buffer.from(certificate.certPem) }], true);
    certField = handshakeCertificate(certificate.der);
  }
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socketPath}`, credentials, (error) => (error ? reject(error) : resolve())));
  options.stdout.write(`${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|unix|${socketPath}|grpc|${certField}\n`);
  return { socketPath, stop };
}
