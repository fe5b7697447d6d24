/**
 * OSB `GET /v2/catalog`. The body is megabytes (every plan carries its parameter schemas), so it is
 * serialised once per catalog version and, for clients that accept it, gzipped once.
 */
import { gzipSync } from 'node:zlib';
import { Router } from 'express';
import type { ServiceCatalog } from '../../src/service/catalog';

interface Encoded {
  readonly json: Buffer;
  gzip?: Buffer;
}

export function catalogRouter(catalog: ServiceCatalog): Router {
  const router = Router();
  // Keyed by the catalog object: a new one (diversity data refreshed) is encoded anew.
  const encoded = new WeakMap<object, Encoded>();
  router.get('/', (req, res) => {
    const current = catalog.osbCatalog();
    let body = encoded.get(current);
    if (body === undefined) {
      body = { json: Buffer.from(JSON.stringify(current)) };
      encoded.set(current, body);
    }
    res.status(200).type('json').vary('Accept-Encoding');
    if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
      body.gzip ??= gzipSync(body.json);
      res.set('Content-Encoding', 'gzip').send(body.gzip);
    } else {
      res.send(body.json);
    }
  });
  return router;
}
