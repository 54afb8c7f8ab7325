import { z } from 'zod';

/**
 * An API (resource server) that relying applications get access tokens for
 * by naming it in the `resource` parameter (RFC 8707). Its access tokens are
 * JWTs (RFC 9068) the API verifies with admit's published keys, or opaque
 * tokens it checks at the introspection endpoint.
 */
export const apiSchema = z
  .object({
    /** The resource indicator clients send: an absolute URI without a fragment. */
    identifier: z.url().refine((value) => !value.includes('#'), 'a resource indicator has no fragment'),
    /** The access tokens' `aud`; the identifier when left out. */
    audience: z.string().min(1).optional(),
    /** The scopes this API defines, e.g. `orders:read orders:write`. */
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is printable ASCII without spaces, " or \\')).min(1),
    /** `jwt` (RFC 9068, the default) or `opaque` (checked by introspection). */
    accessTokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
    /** Lifetime of its access tokens; `tokens.accessTokenSeconds` when left out. */
    accessTokenSeconds: z.number().int().min(60).max(86_400).optional(),
    /** The JWT access tokens' signature. */
    signingAlg: z.enum(['RS256', 'ES256']).default('RS256'),
    /** The client ids that may ask for this API; every client when left out. */
    clients: z.array(z.string().min(1)).optional(),
  })
  .strict();

export type ApiConfig = z.infer<typeof apiSchema>;
