import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

/**
 * The demo organisations' own websites, on a port (so an origin) of their own: what a visitor of an
 * organisation's site sees, with the form embedded exactly as the organisation would embed it.
 */

const pages: Record<string, string> = {
  '/': 'northfield.html',
  '/harbour-lights': 'harbour-lights.html',
};

const demoDir = resolve(import.meta.dirname, '../../web/demo');

export const startDemoSite = async (options: { port: number; apiUrl: string }) => {
  const server = createServer((req, res) => {
    const page = pages[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (req.method !== 'GET' || !page) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found');
      return;
    }
    // Read on each request so an edited page shows on reload.
    const html = readFileSync(resolve(demoDir, page), 'utf8').replaceAll('{{API}}', options.apiUrl);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
};
