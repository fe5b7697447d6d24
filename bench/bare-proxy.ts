/**
 * A baseline of the gateway figures: the least a Node reverse proxy does for one JSON-RPC request (read
 * the body, one keep-alive request to the node through the gateway's own Upstream, send the answer back),
 * with no token, policy, limits, metrics or logging. What Node's HTTP stack costs by itself, side by side.
 */
import { createServer } from 'node:http';
import { readBody, Upstream } from '../src/gateway/upstream';

const [port, target] = [Number(process.argv[2]), process.argv[3]!];
const upstream = new Upstream(30_000);
createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    upstream
      .request({ method: 'POST', url: target, headers: { 'Content-Type': 'application/json' }, body: Buffer.concat(chunks) })
      .then((answer) => readBody(answer, 1 << 20))
      .then(
        (body) => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }).end(body),
        () => res.writeHead(502).end(),
      );
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
