/**
 * OSB `GET /v2/catalog`. The body is megabytes (every plan carries its parameter schemas), so it is
 * encoded ahead of requests: serialised and gzipped (on the thread pool) at start and after every
 * diversity data refresh, never per request. Answers carry a strong `ETag`; `If-None-Match` with it
 * gets 304 without a body.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Router } from 'express';

import type { ServiceCatalog } from '../../src/service/catalog';

const gzipAsync = promisify(gzip);

interface Encoded {
  /** The catalog object encoded (a new one after a diversity refresh). */
  readonly source: object;
  readonly json: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

/** The catalog's encodings, kept for the catalog object they were made from. */
export class EncodedCatalog {
  #current: Encoded | undefined;
  #pending: Promise<Encoded> | undefined;

  constructor(private readonly catalog: ServiceCatalog) {}

  /** Encodes the current catalog unless that is done (or under way). */
  prepare(): Promise<Encoded> {
    const source = this.catalog.osbCatalog();
    if (this.#current?.source === source) return Promise.resolve(this.#current);
    if (this.#pending !== undefined) return this.#pending;
    const pending = (async () => {
      const json = Buffer.from(JSON.stringify(source));
      const encoded = { source, json, gzip: await gzipAsync(json), etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"` };
      this.#current = encoded;
      return encoded;
    })().finally(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
    this.#pending = pending;
    return pending;
  }
}

/** `changes`: subscribes to "the catalog may have changed" (diversity data refreshed). @default none */
export function catalogRouter(catalog: ServiceCatalog, changes?: (listener: () => void) => void): Router {
  const router = Router();
  const encoded = new EncodedCatalog(catalog);
  void encoded.prepare().catch(() => undefined);
  changes?.(() => void encoded.prepare().catch(() => undefined));
  router.get('/', async (req, res) => {
    const body = await encoded.prepare();
    res.vary('Accept-Encoding').set('ETag', body.etag);
    const tags = req.get('If-None-Match');
    if (tags !== undefined && (tags.trim() === '*' || tags.split(',').some((tag) => tag.trim().replace(/^W\//, '') === body.etag))) {
      res.status(304).end();
      return;
    }
    res.status(200).type('json');
    if (req.acceptsEncodings('gzip', 'identity') === 'gzip') res.set('Content-Encoding', 'gzip').send(body.gzip);
    else res.send(body.json);
  });
  return router;
}
