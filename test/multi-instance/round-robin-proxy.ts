import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { freePort } from '../support/free-port.ts';

export interface RoundRobinProxy {
  /** The one public URL (admit's issuer) in front of every instance. */
  url: string;
  port: number;
  /** The instances' loopback ports, in turn; set once they run. */
  upstreams: number[];
  /** Which upstream (index) answered each request, in order, with its method and path. */
  served: { upstream: number; method: string; path: string }[];
  /** Sends every request to one instance until unpinned (undefined): a request the test wants on a given instance. */
  pin(upstream: number | undefined): void;
  close(): Promise<void>;
}

/**
 * A load balancer as small as it gets: every request goes to the next
 * instance in turn (no stickiness), with its Host header as the client sent
 * it, so every instance sees the same issuer origin. Bodies are streamed both ways.
 */
export async function startRoundRobinProxy(): Promise<RoundRobinProxy> {
  const port = await freePort();
  let next = 0;
  let pinned: number | undefined;
  const proxy: RoundRobinProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    upstreams: [],
    served: [],
    pin(upstream) {
      pinned = upstream;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((incoming: IncomingMessage, outgoing) => {
    const upstream = pinned ?? next;
    if (pinned === undefined) next = (next + 1) % proxy.upstreams.length;
    proxy.served.push({ upstream, method: incoming.method ?? 'GET', path: incoming.url ?? '/' });
    const forwarded = request(
      {
        host: '127.0.0.1',
        port: proxy.upstreams[upstream],
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(outgoing);
      },
    );
    forwarded.once('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`proxy: ${error.message}`);
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return proxy;
}
