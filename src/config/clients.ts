import { z } from 'zod';

/**
 * A relying application. Field names are OIDC client metadata (RFC 7591) so
 * they pass straight to oidc-provider; `first_party` and `pkce_required` are
 * admit's own: consent is skipped for first-party applications and shown for
 * the others, and PKCE is required unless a confidential client opts out.
 */
export const clientSchema = z
  .object({
    client_id: z.string().min(1).max(200),
    client_name: z.string().max(200).optional(),
    client_secret: z.string().min(32, 'use at least 32 characters').optional(),
    token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).optional(),
    redirect_uris: z.array(z.url()).default([]),
    post_logout_redirect_uris: z.array(z.url()).default([]),
    grant_types: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).optional(),
    response_types: z.array(z.literal('code')).optional(),
    scope: z.string().optional(),
    backchannel_logout_uri: z.url().optional(),
    /** Logout tokens and ID tokens carry `sid` (the default); false leaves it out of both. */
    backchannel_logout_session_required: z.boolean().optional(),
    /** The ID token's signature: RS256 (the default) or ES256, both keys are published. */
    id_token_signed_response_alg: z.enum(['RS256', 'ES256']).optional(),
    /** `pairwise`: a different `sub` per sector (the redirect URIs' host, or the host of sector_identifier_uri). */
    subject_type: z.enum(['public', 'pairwise']).optional(),
    /** An https URL serving a JSON array of every redirect URI of the sector (OIDC Core 8.1). */
    sector_identifier_uri: z.url().optional(),
    /** RFC 9449: every access token of this client is DPoP-bound (a request without a DPoP proof is refused). */
    dpop_bound_access_tokens: z.boolean().optional(),
    /** RFC 9126: authorization requests only through the pushed authorization request endpoint. */
    require_pushed_authorization_requests: z.boolean().optional(),
    first_party: z.boolean().default(false),
    /**
     * false lets a confidential client sign in without PKCE: for legacy relying
     * parties that cannot send it. Public clients always use PKCE. Left out: required.
     */
    pkce_required: z.boolean().optional(),
    /**
     * Makes this a management API client (README, "Management API"): the sites
     * it manages (`['*']` for every site, like a global admin). It gets access
     * tokens for the API with the client_credentials grant, for the `admit:*`
     * scopes its `scope` lists.
     */
    api_sites: z.array(z.string().min(1).max(64)).min(1).max(100).optional(),
  })
  .strict()
  .superRefine((client, ctx) => {
    const isPublic = client.token_endpoint_auth_method === 'none';
    if (!isPublic && client.client_secret === undefined && client.token_endpoint_auth_method !== 'private_key_jwt') {
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'required unless token_endpoint_auth_method is none' });
    }
    if (isPublic && client.client_secret !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'a public client (none) must not have a secret' });
    }
    if (client.api_sites && (isPublic || !client.grant_types?.includes('client_credentials') || !client.scope?.includes('admit:'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['api_sites'],
        message: 'a management API client is confidential, has the client_credentials grant and lists its admit: scopes in scope',
      });
    }
    if (isPublic && client.pkce_required === false) {
      ctx.addIssue({ code: 'custom', path: ['pkce_required'], message: 'a public client (none) always uses PKCE' });
    }
  });

export type ClientConfig = z.infer<typeof clientSchema>;
