/** `runProcess` (src/review/revisions.ts) goes through the executor: no shell, a time limit, an AbortSignal. */
import { describe, expect, it } from 'vitest';

import { ExternalError } from '../../src/errors';
import { runProcess } from '../../src/review/revisions';

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected runProcess to fail');
}

describe('runProcess', () => {
  it('GIVEN a program THEN it collects exit code, stdout and stderr, with no shell and only the env given', async () => {
    const result = await runProcess(process.execPath, ['-e', 'console.log(process.env.GIVEN, process.env.NOT_GIVEN ?? "unset", "$HOME"); console.error("to stderr"); process.exit(3)'], {
      cwd: process.cwd(),
      env: { GIVEN: 'yes' },
    });
    expect(result).toEqual({ code: 3, stdout: 'yes unset $HOME', stderr: 'to stderr' });
  });

  it('GIVEN a program that outlives its time limit THEN it is interrupted and the error says so', async () => {
    const error = await failure(runProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd: process.cwd(), timeoutMs: 200 }));
    expect(error).toBeInstanceOf(ExternalError);
    expect(error.message).toBe('node did not finish within 0.2 s and was interrupted');
  });

  it('GIVEN an aborted signal THEN the program is interrupted and the error says it was cancelled', async () => {
    const controller = new AbortController();
    const running = runProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd: process.cwd(), signal: controller.signal });
    controller.abort();
    expect((await failure(running)).message).toBe('node was cancelled and was interrupted');
  });

  it('GIVEN a program that does not exist THEN an external error names it', async () => {
    const error = await failure(runProcess('/nonexistent/git', ['status'], { cwd: process.cwd() }));
    expect(error).toBeInstanceOf(ExternalError);
    expect(error.message).toMatch(/^\/nonexistent\/git could not be started: /);
  });
});
