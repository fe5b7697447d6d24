import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('the logger', () => {
  it('writes JSON lines with level, time and message', () => {
    const { lines, logger } = capture();
    logger.info({ requestId: 'r-1' }, 'hello');
    expect(lines[0]).toMatchObject({ level: 30, msg: 'hello', requestId: 'r-1', service: 'ovsb', time: expect.any(String) });
  });

  it.each([
    ['authorization', { authorization: 'Basic c2VjcmV0' }],
    ['a nested Authorization header', { req: { headers: { authorization: 'Basic c2VjcmV0' } } }],
    ['password', { password: 'hunter2-hunter2' }],
    ['token', { binding: { token: 'ovsb_abc' } }],
    ['credentials', { credentials: { token: 'ovsb_abc', url: 'http://x' } }],
    ['parameters', { parameters: { validator_keys: { web3signer_url: 'http://s' } } }],
    ['outputs', { instance: { outputs: { jwt_secret: 'deadbeef' } } }],
  ])('never writes %s', (_case, fields) => {
    const { lines, logger } = capture();
    logger.info(fields, 'careful');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['c2VjcmV0', 'hunter2', 'ovsb_abc', 'web3signer_url', 'deadbeef']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
