// Serves the built page (dist/) and its /config.json on its own origin: the harness runs it on
// another port than Cognate, so every call the page makes to Cognate is cross-origin.
//   node serve.mjs <port> <config.json>
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const [port, configPath] = process.argv.slice(2);
const root = join(import.meta.dirname, 'dist');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };

createServer(async (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  try {
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(await readFile(configPath));
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root)) throw new Error('outside');
    const body = await readFile(file).catch(() => readFile(join(root, 'index.html')));
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'text/html' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
}).listen(Number(port), '127.0.0.1', () => console.log(`page on http://127.0.0.1:${port}`));
