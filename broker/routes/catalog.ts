/** OSB `GET /v2/catalog`: the catalog as loaded at start-up. */
import { Router } from 'express';
import type { ServiceCatalog } from '../../src/service/catalog';

export function catalogRouter(catalog: ServiceCatalog): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.status(200).json(catalog.osbCatalog());
  });
  return router;
}
