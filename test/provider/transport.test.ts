/**
 * The plugin transport as terraform meets it: the compiled provider spawned with go-plugin's
 * environment, its one handshake line on stdout, mutual TLS with the certificate it announced, tfplugin6
 * calls over gRPC, and plugin.GRPCController/Shutdown ending the process. The committed protocol
 * descriptor must be what the .proto files compile to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromMsgpack, parseType } from '../../src/provider/codec/cty';
import { SERVICE_INSTANCE_SCHEMA } from '../../src/provider/resources/service-instance';
import { impliedType } from '../../src/provider/schema';
import { compileDescriptor } from '../../src/provider/transport/proto/compile';
import { createServerCertificate, handshakeCertificate } from '../../src/provider/transport/certificate';
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, loadProtocol } from '../../src/provider/transport/plugin-server';
import type { Message } from '../../src/provider/transport/protobuf';
import { ROOT, requireBuild } from './terraform-env';

const PROVIDER = join(ROOT, 'dist/src/provider/main.js');
const children: ChildProcess[] = [];

interface Launched {
  readonly child: ChildProcess;
  readonly line: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

function launch(env: Record<string, string>): Promise<Launched> {
  const child = spawn(process.execPath, [PROVIDER], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((done) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) done({ child, line: out, exited, stderr: () => err });
    });
    void exited.then(() => done({ child, line: out, exited, stderr: () => err }));
  });
}

const terraformEnv = (extra: Record<string, string> = {}) => ({ [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '5,6', ...extra });

function call(client: grpc.Client, service: string, method: string, request: Message): Promise<Message> {
  const definition = loadProtocol().services.get(service)!.find((m) => m.name === method)!;
  return new Promise((done, fail) =>
    client.makeUnaryRequest(
      `/${service}/${method}`,
      (message: Message) => definition.request.encode(message),
      (bytes: Buffer) => definition.response.decode(bytes),
      request,
      (error, response) => (error ? fail(error) : done(response!)),
    ),
  );
}

beforeAll(() => requireBuild());
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('go-plugin handshake and gRPC transport', () => {
  it('AutoMTLS: announces its certificate, serves tfplugin6 to the client holding PLUGIN_CLIENT_CERT, exits on Shutdown', async () => {
    const clientCert = createServerCertificate();
    const launched = await launch(terraformEnv({ PLUGIN_CLIENT_CERT: clientCert.certPem }));
    const lines = launched.line.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const [core, app, network, address, protocol, cert] = lines[0]!.split('|');
    expect([core, app, network, protocol]).toEqual(['1', '6', 'unix', 'grpc']);
    expect(existsSync(address!)).toBe(true);
    expect(cert).toMatch(/^[A-Za-z0-9+/]+$/); // base64 without padding
    const serverCert = new X509Certificate(Buffer.from(cert!, 'base64'));
    expect(serverCert.checkHost('localhost')).toBe('localhost');
    expect(handshakeCertificate(serverCert.raw)).toBe(cert);

    const client = new grpc.Client(
      `unix:${address}`,
      grpc.credentials.createSsl(Buffer.from(serverCert.toString()), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem)),
      { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
    );
    const schema = await call(client, 'tfplugin6.Provider', 'GetProviderSchema', {});
    const resources = schema['resource_schemas'] as Record<string, { block: { attributes: { name: string; type: Buffer; sensitive?: boolean }[] } }>;
    expect(Object.keys(resources).sort()).toEqual(['ovsb_service_binding', 'ovsb_service_instance']);
    const credentials = resources['ovsb_service_binding']!.block.attributes.find((a) => a.name === 'credentials')!;
    expect(credentials.sensitive).toBe(true);
    expect(parseType(credentials.type.toString())).toBe('dynamic');

    // A failure comes back as a diagnostic, not as a gRPC error.
    const upgraded = await call(client, 'tfplugin6.Provider', 'UpgradeResourceState', {
      type_name: 'ovsb_service_instance',
      version: 0,
      raw_state: { json: Buffer.from(JSON.stringify({ id: 'i', instance_id: 'i', service: 's', plan: 'p', parameters: { value: 'x', type: 'string' } })) },
    });
    const instanceType = impliedType(SERVICE_INSTANCE_SCHEMA.block);
    expect(upgraded['diagnostics']).toBeUndefined();
    expect((fromMsgpack((upgraded['upgraded_state'] as { msgpack: Buffer }).msgpack, instanceType) as Record<string, unknown>)['instance_id']).toBe('i');
    const newer = await call(client, 'tfplugin6.Provider', 'UpgradeResourceState', { type_name: 'ovsb_service_instance', version: 7, raw_state: { json: Buffer.from('{}') } });
    expect((newer['diagnostics'] as { summary: string }[])[0]?.summary).toBe('State written by a newer provider');

    await call(client, 'plugin.GRPCController', 'Shutdown', {});
    client.close();
    expect(await launched.exited).toBe(0);
    expect(existsSync(address!)).toBe(false);
  });

  it('TF_DISABLE_PLUGIN_TLS: plain gRPC and an empty certificate field', async () => {
    const launched = await launch(terraformEnv({ TF_DISABLE_PLUGIN_TLS: '1', PLUGIN_CLIENT_CERT: createServerCertificate().certPem }));
    const fields = launched.line.trim().split('|');
    expect(fields[5]).toBe('');
    const client = new grpc.Client(`unix:${fields[3]}`, grpc.credentials.createInsecure());
    const metadata = await call(client, 'tfplugin6.Provider', 'GetMetadata', {});
    expect((metadata['resources'] as { type_name: string }[]).map((r) => r.type_name)).toEqual(['ovsb_service_instance', 'ovsb_service_binding']);
    await call(client, 'plugin.GRPCController', 'Shutdown', {});
    client.close();
    expect(await launched.exited).toBe(0);
  });

  it('run by hand (no magic cookie): explains and exits 1 with nothing on stdout', async () => {
    const launched = await launch({});
    expect(await launched.exited).toBe(1);
    expect(launched.line).toBe('');
    expect(launched.stderr()).toContain('is a Terraform plugin');
  });

  it('refuses a terraform that offers only protocol 5', async () => {
    const launched = await launch(terraformEnv({ PLUGIN_PROTOCOL_VERSIONS: '5' }));
    expect(await launched.exited).toBe(1);
    expect(launched.line).toBe('');
    expect(launched.stderr()).toContain('speaks version 6');
  });

  it('the committed protocol descriptor is what the .proto files compile to (npm run provider:protocol)', () => {
    const committed = readFileSync(join(ROOT, 'src/provider/transport/protocol-descriptor.ts'), 'utf8');
    expect(compileDescriptor(join(ROOT, 'src/provider/transport/proto'))).toBe(committed);
  });
});
