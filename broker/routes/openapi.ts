/** `GET /openapi.json`: the OpenAPI description of every route (unauthenticated: it holds no data). */
import { Router } from 'express';
import { brokerVersion } from '../../src/version';
import { openApiDocument } from '../openapi';

export function openApiRouter(): Router {
  const router = Router();
  const document = openApiDocument({ version: brokerVersion() });
  router.get('/openapi.json', (_req, res) => {
    res.status(200).json(document);
  });
  return router;
}
