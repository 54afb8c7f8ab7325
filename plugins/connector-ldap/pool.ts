import type { LdapSession } from './connection.ts';
import { isUnreachable } from './errors.ts';

export interface ServicePoolOptions {
  size: number;
  /** How long a caller waits for a free connection before the directory counts as unavailable. */
  acquireTimeoutMs: number;
  /** Opens a new service-account session (with failover across the site's urls). */
  open: () => Promise<LdapSession>;
}

interface Waiter {
  resolve: (session: LdapSession) => void;
  reject: (error: Error) => void;
}

/**
 * Service-account sessions kept open and reused: a sign-in costs one search
 * on a warm connection instead of a TCP (and TLS) handshake and a bind. A
 * session whose socket closed, or whose operation failed for want of the
 * server, is dropped; the next caller opens a fresh one.
 */
export function createServicePool(options: ServicePoolOptions) {
  const idle: LdapSession[] = [];
  const waiters: Waiter[] = [];
  let open = 0;
  let closed = false;

  async function acquire(): Promise<LdapSession> {
    if (closed) throw new Error('the directory connector is closed');
    for (let session = idle.pop(); session; session = idle.pop()) {
      if (session.live) return session;
      discard(session);
    }
    if (open < options.size) {
      open += 1;
      try {
        return await options.open();
      } catch (error) {
        open -= 1;
        throw error;
      }
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (session) => (clearTimeout(timer), resolve(session)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`all ${options.size} directory connections stayed busy for ${options.acquireTimeoutMs} ms`));
      }, options.acquireTimeoutMs);
      waiters.push(waiter);
    });
  }

  function discard(session: LdapSession): void {
    open -= 1;
    void session.close();
  }

  function release(session: LdapSession, broken: boolean): void {
    if (broken || closed || !session.live) {
      discard(session);
      // The freed slot goes to the longest waiter, on a fresh connection.
      const waiter = waiters.shift();
      if (waiter) acquire().then(waiter.resolve, waiter.reject);
      return;
    }
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(session);
    else idle.push(session);
  }

  return {
    /** Runs `work` on a pooled service session; a failure for want of the server drops that session. */
    async use<T>(work: (session: LdapSession) => Promise<T>): Promise<T> {
      const session = await acquire();
      let broken = false;
      try {
        return await work(session);
      } catch (error) {
        broken = isUnreachable(error);
        throw error;
      } finally {
        release(session, broken);
      }
    },
    async close(): Promise<void> {
      closed = true;
      waiters.splice(0).forEach((waiter) => waiter.reject(new Error('the directory connector is closed')));
      await Promise.all(idle.splice(0).map((session) => (open -= 1, session.close())));
    },
    get size() {
      return { open, idle: idle.length, waiting: waiters.length };
    },
  };
}

export type ServicePool = ReturnType<typeof createServicePool>;
