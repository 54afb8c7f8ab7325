import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Admit } from './compose.ts';
import type { Config } from './config/schema.ts';

/**
 * Listens on the configured port and offers a graceful shutdown: stop
 * accepting, let in-flight requests finish within the grace period, then
 * close what is left.
 */
export async function serve(admit: Admit, config: Config, logger: Logger, port = config.server.port) {
  const server: Server = createServer(admit.app.callback());
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  logger.info({ port: boundPort, issuer: config.server.issuer }, 'listening');

  async function shutdown(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
  }

  return { server, port: boundPort, shutdown };
}
