import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { type Change, Client, type ClientOptions, type Control, type SearchOptions, type SearchResult } from 'ldapts';
import { ConnectionLostError } from './errors.ts';

export interface ConnectionOptionsForUrl {
  url: string;
  startTls: boolean;
  tlsOptions: ConnectionOptions;
  connectTimeoutMs: number;
  timeoutMs: number;
}

/**
 * One LDAP connection bound as one identity. ldapts silently reconnects a
 * closed socket on the next operation, unbound (and, after StartTLS, in the
 * clear); a session refuses that instead: once its socket is gone every call
 * fails with ConnectionLostError and the session is thrown away.
 */
export interface LdapSession {
  readonly live: boolean;
  bind(dn: string, password: string, controls?: Control[]): Promise<void>;
  search(base: string, options: SearchOptions): Promise<SearchResult>;
  modify(dn: string, changes: Change[], controls?: Control[]): Promise<void>;
  exop(oid: string, value: Buffer, controls?: Control[]): Promise<{ oid?: string; value?: string }>;
  close(): Promise<void>;
}

/**
 * ldapts speaks TLS from the first byte whenever tlsOptions has a value, even
 * for ldap:// (a StartTLS server then drops the connection): the options go
 * to the Client for ldaps:// only, and to startTLS() for StartTLS.
 */
export function clientOptionsFor(options: ConnectionOptionsForUrl): ClientOptions {
  return {
    url: options.url,
    // Without these a server that accepts TCP and never answers hangs every call (DESIGN.md, Traps).
    connectTimeout: options.connectTimeoutMs,
    timeout: options.timeoutMs,
    ...(/^ldaps:/i.test(options.url) ? { tlsOptions: options.tlsOptions } : {}),
    createSecureConnection: handshakeWithTimeout(options.connectTimeoutMs),
  };
}

export async function openSession(options: ConnectionOptionsForUrl): Promise<LdapSession> {
  const client = new Client(clientOptionsFor(options));
  let opened = false;
  const live = () => opened && client.isConnected;
  const ensureBound = () => {
    // The check and ldapts's own send run in one tick: no close event can slip between them.
    if (!live() || !client.isBound) throw new ConnectionLostError(`connection to ${options.url} was lost`);
  };
  const close = () => client.unbind().catch(() => undefined);

  try {
    if (options.startTls) await client.startTLS({ ...options.tlsOptions });
  } catch (error) {
    await close();
    throw error;
  }
  opened = true;

  return {
    get live() {
      return live() && client.isBound;
    },
    async bind(dn, password, controls) {
      // A plain ldap:// session connects on its first bind; a StartTLS one must still be on its upgraded socket.
      if (options.startTls && !live()) throw new ConnectionLostError(`connection to ${options.url} was lost`);
      await client.bind(dn, password, controls);
    },
    async search(base, searchOptions) {
      ensureBound();
      return client.search(base, searchOptions);
    },
    async modify(dn, changes, controls) {
      ensureBound();
      return client.modify(dn, changes, controls);
    },
    async exop(oid, value, controls) {
      ensureBound();
      return client.exop(oid, value, controls);
    },
    close,
  };
}

/** ldapts times the TCP connect but not a TLS handshake (StartTLS or ldaps): give it the same limit. */
function handshakeWithTimeout(timeoutMs: number): typeof tlsConnect {
  return ((...args: unknown[]) => {
    const socket = (tlsConnect as (...a: unknown[]) => TLSSocket)(...args);
    const timer = setTimeout(() => socket.destroy(new Error('TLS handshake timed out')), timeoutMs);
    socket.once('secureConnect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  }) as typeof tlsConnect;
}
