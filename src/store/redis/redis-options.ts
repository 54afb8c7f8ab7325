import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisSettings {
  /**
   * `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). With
   * `sentinels` or `cluster` the URL's host is ignored but its credentials, db
   * and scheme still apply, so secrets stay in one place.
   */
  url?: string;
  sentinels?: RedisNode[];
  /** The master group name the sentinels watch. */
  sentinelName?: string;
  /** Seed nodes of a Redis Cluster. */
  cluster?: RedisNode[];
  /** Prepended to every key; default `admit:`. */
  keyPrefix?: string;
  /** Per-command deadline; default 2000 ms. */
  commandTimeoutMs?: number;
  /** Deadline for the first connection at start-up; default 5000 ms. */
  connectTimeoutMs?: number;
}

export type RedisClient = Redis | Cluster;

interface UrlParts {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
}

export function parseRedisUrl(url: string): UrlParts {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`Redis URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new Error(`Redis URL has an invalid db index "${dbText}"`);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    db,
    tls: parsed.protocol === 'rediss:',
  };
}

/** "host:port" (or the sentinel / cluster seeds) for error messages; never the password. */
export function describeRedisTarget(settings: RedisSettings): string {
  const list = (nodes: RedisNode[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if (settings.cluster?.length) return `cluster ${list(settings.cluster)}`;
  if (settings.sentinels?.length) return `sentinel ${settings.sentinelName ?? '?'} via ${list(settings.sentinels)}`;
  if (settings.url) {
    const { host, port } = parseRedisUrl(settings.url);
    return `${host}:${port}`;
  }
  return '127.0.0.1:6379';
}

/**
 * Builds a client that fails fast instead of queueing (DESIGN.md trap: with
 * ioredis defaults a request hung 73 s while Redis was down). It connects
 * lazily; the offline queue is on only until the first 'ready', so start-up
 * commands wait for the handshake, and after that a command to a down server
 * is rejected at once rather than parked until reconnection.
 */
export function createRedisClient(settings: RedisSettings): RedisClient {
  const url = settings.url ? parseRedisUrl(settings.url) : undefined;
  const common: RedisOptions = {
    ...(url?.username ? { username: url.username } : {}),
    ...(url?.password ? { password: url.password } : {}),
    ...(url?.tls ? { tls: {} } : {}),
    commandTimeout: settings.commandTimeoutMs ?? 2000,
    connectTimeout: settings.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    lazyConnect: true,
  };

  let client: RedisClient;
  if (settings.cluster?.length) {
    const options: ClusterOptions = {
      redisOptions: common,
      enableAutoPipelining: true,
      lazyConnect: true,
      enableOfflineQueue: true,
      // Without this a restarted node stays unreachable until a MOVED reply.
      clusterNodeRetryStrategy: (times) => Math.min(times * 100, 2000),
    };
    client = new Cluster(settings.cluster, options);
  } else if (settings.sentinels?.length) {
    if (!settings.sentinelName) throw new Error('Redis Sentinel needs sentinelName (the master group name)');
    client = new Redis({
      ...common,
      sentinels: settings.sentinels,
      name: settings.sentinelName,
      db: url?.db ?? 0,
      enableOfflineQueue: true,
      retryStrategy: (times) => Math.min(times * 100, 2000),
    });
  } else {
    client = new Redis({
      ...common,
      host: url?.host ?? '127.0.0.1',
      port: url?.port ?? 6379,
      db: url?.db ?? 0,
      enableOfflineQueue: true,
      retryStrategy: (times) => Math.min(times * 100, 2000),
    });
  }
  client.once('ready', () => {
    client.options.enableOfflineQueue = false;
  });
  return client;
}
