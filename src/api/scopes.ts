/**
 * The management API's scopes: one area each, read or write. A client's
 * registration (`scope`) lists the ones it may ask for; a token carries those
 * it asked for, and each route names the one it needs. Write does not imply
 * read: a client that lists and changes users asks for both.
 */
export const API_SCOPES = [
  'admit:users:read',
  'admit:users:write',
  'admit:invitations:read',
  'admit:invitations:write',
  'admit:requests:read',
  'admit:requests:write',
  'admit:clients:read',
  'admit:clients:write',
  'admit:audit:read',
  'admit:outbox:read',
  'admit:outbox:write',
  'admit:webhooks:read',
  'admit:webhooks:write',
] as const;

export type ApiScope = (typeof API_SCOPES)[number];

export const API_PREFIX = '/api/v1';

/** The resource indicator (RFC 8707) a client names at the token endpoint, and its tokens' audience. */
export const apiResourceOf = (issuer: string) => `${issuer.replace(/\/+$/, '')}${API_PREFIX}`;
