import { z } from 'zod';

/**
 * A relying application. Field names are OIDC client metadata (RFC 7591) so
 * they pass straight to oidc-provider; `first_party` is admit's own: consent
 * is skipped for first-party applications and shown for the others.
 */
export const clientSchema = z.object({
  client_id: z.string().min(1).max(200),
  client_name: z.string().max(200).optional(),
  client_secret: z.string().min(32, 'use at least 32 characters').optional(),
  token_endpoint_auth_method: z
    .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'])
    .optional(),
  redirect_uris: z.array(z.url()).default([]),
  post_logout_redirect_uris: z.array(z.url()).default([]),
  grant_types: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).optional(),
  response_types: z.array(z.literal('code')).optional(),
  scope: z.string().optional(),
  backchannel_logout_uri: z.url().optional(),
  backchannel_logout_session_required: z.boolean().optional(),
  first_party: z.boolean().default(false),
}).strict().superRefine((client, ctx) => {
  const isPublic = client.token_endpoint_auth_method === 'none';
  if (!isPublic && client.client_secret === undefined && client.token_endpoint_auth_method !== 'private_key_jwt') {
    ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'required unless token_endpoint_auth_method is none' });
  }
  if (isPublic && client.client_secret !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'a public client (none) must not have a secret' });
  }
});

export type ClientConfig = z.infer<typeof clientSchema>;
