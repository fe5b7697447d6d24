import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { basicAuth, credentialsMatch, parseBasicAuthorization } from '../../broker/middleware/auth';
import { idProblem, MAX_ID_LENGTH } from '../../broker/middleware/ids';
import { requestContext } from '../../broker/middleware/request-context';
import type { LogLevel } from '../../src/config';
import { createLogger } from '../../src/log';

describe('Basic authorization parsing', () => {
  const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  it.each([
    [header('user:pass'), { username: 'user', password: 'pass' }],
    [header('user:pa:ss'), { username: 'user', password: 'pa:ss' }],
    [header('user:'), { username: 'user', password: '' }],
    [`basic   ${Buffer.from('u:p').toString('base64')}`, { username: 'u', password: 'p' }],
    [header('no-colon'), undefined],
    ['Bearer abc', undefined],
    ['Basic', undefined],
    [undefined, undefined],
  ])('%s -> %j', (given, expected) => {
    expect(parseBasicAuthorization(given)).toEqual(expected);
  });

  it.each([
    [{ username: 'a', password: 'b' }, true],
    [{ username: 'a', password: 'B' }, false],
    [{ username: 'A', password: 'b' }, false],
    [{ username: 'a', password: 'b-longer' }, false],
    [{ username: '', password: '' }, false],
  ])('credentialsMatch(%j, a/b) -> %s', (presented, expected) => {
    expect(credentialsMatch(presented, { username: 'a', password: 'b' })).toBe(expected);
  });
});

describe('basicAuth', () => {
  const app = express();
  app.get('/', basicAuth({ username: 'ovsb', password: 's3cret:with-colon' }), (_req, res) => void res.status(204).end());
  app.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(error.status ?? 500).end();
  });
  const encoded = Buffer.from('ovsb:s3cret:with-colon').toString('base64');

  it.each([
    ['the canonical header', `Basic ${encoded}`, 204],
    ['another spelling of the scheme and spaces', `basic   ${encoded}  `, 204],
    ['a wrong password', `Basic ${Buffer.from('ovsb:s3cret').toString('base64')}`, 401],
    ['a wrong user', `Basic ${Buffer.from('root:s3cret:with-colon').toString('base64')}`, 401],
    ['another scheme', `Bearer ${encoded}`, 401],
  ])('WHEN sent %s THEN %i', async (_case, authorization, status) => {
    const res = await request(app).get('/').set('Authorization', authorization);
    expect(res.status).toBe(status);
    if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Basic realm="ovsb"/);
  });

  it('WHEN no header is sent THEN 401', async () => {
    expect((await request(app).get('/')).status).toBe(401);
  });
});

describe('id validation', () => {
  it.each(['d3031751-0000-4000-8000-a42377d3320e', 'Az09-._~', 'x'.repeat(MAX_ID_LENGTH)])('accepts %s', (id) => {
    expect(idProblem('instance_id', id)).toBeUndefined();
  });
  it.each([
    ['', 'empty'],
    ['a/b', 'unreserved'],
    ['..', 'not an id'],
    ['.', 'not an id'],
    ['a\u0000b', 'unreserved'],
    ['é', 'unreserved'],
    ['x'.repeat(MAX_ID_LENGTH + 1), 'limit'],
  ])('refuses %j (%s), naming the field', (id, reason) => {
    const problem = idProblem('binding_id', id);
    expect(problem).toContain('binding_id');
    expect(problem).toContain(reason);
  });
  it('escapes control characters in the message', () => {
    expect(idProblem('instance_id', 'a\u0000b')).toContain('\\u0000');
  });
});

describe('requestContext access log', () => {
  function appLogging(level: LogLevel) {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const app = express();
    app.use(requestContext(createLogger({ level, destination })));
    app.get('/v2/service_instances/:id/last_operation', (req, res) => {
      if (req.params['id'] === 'gone') res.status(404).json({});
      else res.json({ state: 'in progress', description: 'applying 1/3' });
    });
    app.get('/v2/catalog', (req, res) => {
      req.log.info({ password: 'hunter2' }, 'handler line');
      res.json({ services: [] });
    });
    return { app, lines };
  }
  // pino's destination writes after the response is sent.
  const settle = () => sleep(50);

  it('GIVEN info WHEN a poll answers 200 THEN no access line; a failed poll and other requests get one', async () => {
    const { app, lines } = appLogging('info');
    await request(app).get('/v2/service_instances/i-1/last_operation?operation=op-1');
    await request(app).get('/v2/service_instances/gone/last_operation').set('X-Broker-API-Request-Identity', 'req-42');
    await request(app).get('/v2/catalog');
    await settle();
    const access = lines.filter((line) => line['msg'] === 'request');
    expect(access).toEqual([
      expect.objectContaining({ level: 30, method: 'GET', path: '/v2/service_instances/gone/last_operation', status: 404, requestId: 'req-42' }),
      expect.objectContaining({ level: 30, path: '/v2/catalog', status: 200, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) }),
    ]);
    // req.log still redacts, and carries the request id.
    expect(lines.find((line) => line['msg'] === 'handler line')).toMatchObject({ password: '[redacted]', requestId: access[1]?.['requestId'] });
  });

  it('GIVEN debug WHEN a poll answers 200 THEN its access line is at debug, without the query string', async () => {
    const { app, lines } = appLogging('debug');
    const res = await request(app).get('/v2/service_instances/i-1/last_operation?operation=op-1').set('X-Broker-API-Request-Identity', 'req-7');
    expect(res.headers['x-broker-api-request-identity']).toBe('req-7');
    await settle();
    expect(lines.filter((line) => line['msg'] === 'request')).toEqual([
      expect.objectContaining({ level: 20, path: '/v2/service_instances/i-1/last_operation', status: 200, requestId: 'req-7' }),
    ]);
  });

  it('GIVEN warn THEN no access lines at all', async () => {
    const { app, lines } = appLogging('warn');
    await request(app).get('/v2/catalog');
    await settle();
    expect(lines.filter((line) => line['msg'] === 'request')).toEqual([]);
  });
});
