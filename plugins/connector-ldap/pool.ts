import type { LdapSession } from './connection.ts';
import { isUnreachable } from './errors.ts';

export interface ServicePoolOptions {
  size: number;
  /** How long a caller waits for a free connection before the directory counts as unavailable. */
  acquireTimeoutMs: number;
  /** Opens a new service-account session (with failover across the site's urls). */
  open: () => Promise<LdapSession>;
}

/** A caller waiting for a session; settles once, whichever comes first: a session, an error, its timeout. */
interface Waiter {
  grant(session: LdapSession): boolean;
  fail(error: unknown): void;
}

/**
 * Service-account sessions kept open and reused: a sign-in costs one search
 * on a warm connection instead of a TCP (and TLS) handshake and a bind. A
 * session whose socket closed, or whose operation failed for want of the
 * server, is dropped; its slot goes to the next caller on a fresh session.
 */
export function createServicePool(options: ServicePoolOptions) {
  const idle: LdapSession[] = [];
  const waiters: Waiter[] = [];
  let open = 0;
  let closed = false;

  async function openOne(): Promise<LdapSession> {
    open += 1;
    try {
      return await options.open();
    } catch (error) {
      open -= 1;
      serveWaiter(); // the slot is free again: the next waiter tries for itself
      throw error;
    }
  }

  /** Gives a free slot to the longest waiter, on a new session. */
  function serveWaiter(): void {
    const waiter = waiters.shift();
    if (!waiter || closed) {
      waiter?.fail(new Error('the directory connector is closed'));
      return;
    }
    openOne().then(
      (session) => waiter.grant(session) || release(session, false),
      (error) => waiter.fail(error),
    );
  }

  function wait(): Promise<LdapSession> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        waiter.fail(new Error(`all ${options.size} directory connections stayed busy for ${options.acquireTimeoutMs} ms`));
        const index = waiters.indexOf(waiter);
        if (index >= 0) waiters.splice(index, 1);
      }, options.acquireTimeoutMs);
      const waiter: Waiter = {
        grant(session) {
          if (settled) return false;
          settled = true;
          clearTimeout(timer);
          resolve(session);
          return true;
        },
        fail(error) {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(error);
        },
      };
      waiters.push(waiter);
    });
  }

  async function acquire(): Promise<LdapSession> {
    if (closed) throw new Error('the directory connector is closed');
    for (let session = idle.pop(); session; session = idle.pop()) {
      if (session.live) return session;
      discard(session);
    }
    return open < options.size ? openOne() : wait();
  }

  function discard(session: LdapSession): void {
    open -= 1;
    void session.close();
  }

  function release(session: LdapSession, broken: boolean): void {
    if (broken || closed || !session.live) {
      discard(session);
      serveWaiter();
      return;
    }
    while (waiters.length > 0) {
      if (waiters.shift()!.grant(session)) return;
    }
    idle.push(session);
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
      for (const waiter of waiters.splice(0)) waiter.fail(new Error('the directory connector is closed'));
      const closing = idle.splice(0);
      open -= closing.length;
      await Promise.all(closing.map((session) => session.close()));
    },
    get stats() {
      return { open, idle: idle.length, waiting: waiters.length };
    },
  };
}

export type ServicePool = ReturnType<typeof createServicePool>;
