/** The baseline of the HTTP load figures: an Express hello-world, run as its own process. */
import express from 'express';

const port = Number(process.argv[2]);
const app = express();
app.disable('x-powered-by');
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});
app.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
