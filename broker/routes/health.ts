/**
 * `/live`: the process answers. `/ready`: every readiness check passes (storage reachable, terraform
 * found); 503 otherwise. Unauthenticated (probes), so the body names checks, not their error texts,
 * which go to the log.
 */
import { Router } from 'express';
import type { Logger } from '../../src/log';
import type { ReadinessCheck } from '../../src/service/readiness';

export function healthRouter(checks: readonly ReadinessCheck[], logger: Logger): Router {
  const router = Router();
  router.get('/live', (_req, res) => {
    res.status(200).json({ status: 'live' });
  });
  router.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async (c) => {
        try {
          await c.check();
          return [c.name, 'ok'] as const;
        } catch (error) {
          logger.warn({ check: c.name, reason: (error as Error).message }, 'readiness check failing');
          return [c.name, 'failing'] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  return router;
}
