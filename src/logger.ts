import pino, { type Logger } from 'pino';

/** How long a log line may wait in the buffer when the server is quiet. */
const FLUSH_EVERY_MS = 1000;

/**
 * admit's log: JSON lines on stdout, one per request at `info`. Lines are
 * gathered into writes of about 4 KB, each written synchronously: pino's
 * default, an asynchronous write per line, cost every request a hand-off to
 * libuv's thread pool (~30 µs of CPU per write on the benchmark machine, a
 * synchronous 4 KB write ~1.5 µs). A timer writes out what is waiting at
 * least every second, and the rest is written when the process exits.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: 1, minLength: 4096, sync: true, periodicFlush: FLUSH_EVERY_MS });
  process.once('exit', () => destination.flushSync());
  return pino({ level, base: { service: 'admit' } }, destination);
}
