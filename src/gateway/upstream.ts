/**
 * Requests to the nodes: keep-alive connections, a deadline for the answer's headers, and nothing of the
 * client's request sent on but what the node needs (no Authorization, no client headers).
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

export class UpstreamError extends Error {
  constructor(
    readonly kind: 'timeout' | 'unreachable',
    message: string,
  ) {
    super(message);
  }
}

export interface UpstreamRequest {
  readonly method: string;
  /** Absolute URL of the node endpoint, path and query included. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export class Upstream {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });

  /** Parsed node URLs: parsing one per request is measurable on the hot path. */
  private readonly urls = new Map<string, URL>();

  constructor(private readonly timeoutMs: number) {}

  private parsed(text: string): URL {
    let url = this.urls.get(text);
    if (url === undefined) {
      url = new URL(text);
      if (this.urls.size >= 10_000) this.urls.clear();
      this.urls.set(text, url);
    }
    return url;
  }

  /** The node's response (headers arrived), or UpstreamError. The caller reads or drains the body. */
  request(options: UpstreamRequest, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const url = this.parsed(options.url);
      const secure = url.protocol === 'https:';
      const body = options.body;
      const req = (secure ? https : http).request(url, {
        method: options.method,
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: { ...options.headers, ...(body !== undefined && { 'Content-Length': String(Buffer.byteLength(body)) }) },
        ...(signal !== undefined && { signal }),
      });
      const timer = setTimeout(() => {
        req.destroy(new UpstreamError('timeout', `no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      req.once('response', (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      req.once('error', (error) => {
        clearTimeout(timer);
        reject(error instanceof UpstreamError ? error : new UpstreamError('unreachable', error.message));
      });
      req.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** The whole body of a response, up to `limit` bytes (then UpstreamError). */
export function readBody(response: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        response.destroy();
        reject(new UpstreamError('unreachable', `answer larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    response.once('error', (error) => reject(new UpstreamError('unreachable', error.message)));
  });
}
