import type { Control } from 'ldapts';
import { type ConnectionOptionsForUrl, type LdapSession, openSession } from './connection.ts';
import { isUnreachable } from './errors.ts';

/** How long a server that failed is tried only after the others. */
const DOWN_FOR_MS = 30_000;

/**
 * The site's servers in order of preference. A server that could not be
 * reached moves to the back for DOWN_FOR_MS, so each new connection does not
 * first wait out its timeout, and the first url is preferred again after.
 */
export function createServerList(urls: string[], now: () => number = Date.now) {
  const downUntil = new Map<string, number>();
  return {
    order(): string[] {
      const up = urls.filter((url) => (downUntil.get(url) ?? 0) <= now());
      return [...up, ...urls.filter((url) => !up.includes(url))];
    },
    markDown: (url: string) => downUntil.set(url, now() + DOWN_FOR_MS),
    markUp: (url: string) => downUntil.delete(url),
  };
}

export type ServerList = ReturnType<typeof createServerList>;

/**
 * Opens a session bound as `dn` on the first server that answers. Only
 * "cannot reach" failures move on to the next server; an answer (wrong
 * password, locked) is the answer of the whole directory and is thrown as is.
 */
export async function bindWithFailover(
  servers: ServerList,
  optionsFor: (url: string) => ConnectionOptionsForUrl,
  credentials: { dn: string; password: string; controls?: Control[] },
): Promise<LdapSession> {
  let lastError: unknown = new Error('no directory url configured');
  for (const url of servers.order()) {
    let session: LdapSession | undefined;
    try {
      session = await openSession(optionsFor(url));
      await session.bind(credentials.dn, credentials.password, credentials.controls);
      servers.markUp(url);
      return session;
    } catch (error) {
      await session?.close();
      if (!isUnreachable(error)) throw error;
      servers.markDown(url);
      lastError = error;
    }
  }
  throw lastError;
}
