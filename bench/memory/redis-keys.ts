import type { Redis } from 'ioredis';

/** A key a sign-in left in Redis, as measured there. */
export interface KeyFootprint {
  key: string;
  kind: string;
  type: string;
  bytes: number;
  ttlSeconds: number | null;
  value: string | string[];
}

/**
 * The key's kind: its namespace without the prefix and the hash-tagged id,
 * e.g. `admit:oidc:Session:{abc}` → `oidc:Session`, `…:{abc}:consumed` →
 * `oidc:AuthorizationCode:consumed`.
 */
export function keyKind(key: string, prefix: string): string {
  const bare = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  const open = bare.indexOf(':{');
  if (open < 0) return bare;
  const close = bare.indexOf('}', open);
  const suffix = close >= 0 ? bare.slice(close + 1) : '';
  return `${bare.slice(0, open)}${suffix}`;
}

/** The id inside the key's hash tag. */
export function keyId(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open);
  return open >= 0 && close > open ? key.slice(open + 1, close) : '';
}

export async function scanKeys(redis: Redis, prefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    for (const key of batch) keys.add(key);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

export async function footprint(redis: Redis, key: string, prefix: string): Promise<KeyFootprint> {
  const type = await redis.type(key);
  const bytes = Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  const pttl = await redis.pttl(key);
  const value = type === 'set' ? await redis.smembers(key) : ((await redis.get(key)) ?? '');
  return { key, kind: keyKind(key, prefix), type, bytes, ttlSeconds: pttl < 0 ? null : Math.round(pttl / 1000), value };
}

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}
