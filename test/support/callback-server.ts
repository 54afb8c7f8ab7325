import { createServer } from 'node:http';

/**
 * A relying application's redirect target on loopback: records each query it
 * receives and shows it, so a browser test can see the code (or error) arrive.
 */
export async function startCallbackServer(): Promise<{ origin: string; received: URLSearchParams[]; close(): Promise<void> }> {
  const received: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    received.push(url.searchParams);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Relying application</title><h1>Back at the application</h1><p id="result">${url.searchParams.has('code') ? 'code received' : `error: ${url.searchParams.get('error') ?? 'none'}`}</p>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { origin: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
