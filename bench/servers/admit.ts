/**
 * admit as the benchmark runs it: src/main.ts's steps (config from the
 * environment, composeAdmit, the HTTP server with serve.ts's timeouts), but
 * bound to 127.0.0.1 only and reporting readiness over IPC. Run as a child:
 *   ADMIT_CONFIG=… ADMIT_STORE=… ADMIT_SECRET=… PORT=… node bench/servers/admit.ts
 */
import { createServer } from 'node:http';
import { composeAdmit } from '../../src/compose.ts';
import { loadConfig } from '../../src/config/load.ts';
import { DIRECTORY_PLUGINS } from '../../src/connectors.ts';
import { createLogger } from '../../src/logger.ts';

const config = loadConfig(DIRECTORY_PLUGINS);
const logger = createLogger(config.logging.level);
const admit = await composeAdmit(config, logger);
const server = createServer(admit.app.callback());
server.keepAliveTimeout = 5_000;
server.headersTimeout = 10_000;
server.requestTimeout = 30_000;
server.listen(config.server.port, '127.0.0.1', () => process.send?.({ ready: true }));

const stop = () => server.close(() => void admit.close().then(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
