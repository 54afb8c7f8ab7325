import { z } from 'zod';
import { isSafeUrl } from './network-client.ts';

/**
 * A site's `directory` block for a Microsoft Entra ID tenant (see
 * config/examples/entra-site.yaml). Validated at start; a problem names the
 * option path, e.g. "directory.allowedTenants: Required when tenant is organizations".
 */
const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'use the GUID shown in the Entra admin center');
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'use a domain like contoso.com');

/** Multi-tenant authorities: `organizations` (any work or school account), then narrowed by allowedTenants. */
export const MULTI_TENANT = 'organizations';

const certificate = z
  .object({
    /** PEM file of the private key whose certificate is uploaded to the app registration. */
    privateKeyFile: z.string().min(1),
    /** Hex SHA-256 thumbprint of that certificate (Entra shows it under "Certificates & secrets"). */
    thumbprintSha256: z.string().regex(/^[0-9a-f]{64}$/i, 'use the 64 hex digits of the SHA-256 thumbprint'),
    /** Optional PEM file of the certificate chain, sent as x5c (subject name + issuer authentication). */
    certificateFile: z.string().min(1).optional(),
  })
  .strict();

export const entraSettingsSchema = z
  .object({
    kind: z.literal('entra'),
    /** The tenant's id (single tenant), or `organizations` for several tenants listed in allowedTenants. */
    tenant: z.union([guid, z.literal(MULTI_TENANT)]),
    /** Home tenant ids allowed to sign in; required with `organizations`, and then the only tenants accepted. */
    allowedTenants: z.array(guid).min(1).optional(),
    /** Application (client) id of admit's app registration. */
    clientId: z.string().min(1).max(100),
    clientSecret: z.string().min(1).optional(),
    clientCertificate: certificate.optional(),
    /** Sign-in host; another cloud (login.microsoftonline.us, login.partner.microsoftonline.cn) changes it. */
    authorityHost: z.url({ protocol: /^https$/, error: 'use an https:// URL' }).default('https://login.microsoftonline.com'),
    /** Where the OpenID configuration is read; default <authorityHost>/<tenant>/v2.0/.well-known/openid-configuration. */
    metadataUrl: z.url().refine(isSafeUrl, 'use https:// (http:// only to localhost, for a local stand-in)').optional(),
    /** Must be registered in the app registration; default <issuer>/federated/entra/<site id>/callback. */
    redirectUri: z.url().optional(),
    /** Asked of Microsoft besides openid, profile and offline_access (which MSAL always adds). */
    scopes: z.array(z.string().min(1).max(200)).default(['email', 'User.Read']),
    /** Email domains of this tenant's users: typing such an email on the sign-in page goes to this site. */
    domains: z.array(domain).default([]),
    groups: z
      .object({
        /** Put the token's `groups` claim (configure "Groups claim" in Entra) into admit's `groups`. */
        enabled: z.boolean().default(false),
        /** Group object id → the name released in admit's claim; ids not listed pass through unless onlyMapped. */
        names: z.record(z.string(), z.string().min(1).max(200)).default({}),
        onlyMapped: z.boolean().default(false),
      })
      .strict()
      .default({ enabled: false, names: {}, onlyMapped: false }),
    /** Accept Entra's MFA (`amr` contains `mfa`) instead of admit's own MFA step. Off: admit always asks. */
    trustUpstreamMfa: z.boolean().default(false),
    /** `prompt` sent to Microsoft: select_account lets a user signed in as someone else pick the right account. */
    prompt: z.enum(['select_account', 'login', 'consent']).default('select_account'),
    /** Every call to Microsoft (discovery, keys, token) gives up after this long. */
    timeoutMs: z.number().int().min(200).max(60_000).default(5000),
    /** Time a user has at Microsoft before the round trip's state expires. */
    roundTripSeconds: z.number().int().min(60).max(3600).default(600),
    /** Seconds the OpenID configuration is reused before it is read again. */
    metadataCacheSeconds: z.number().int().min(60).max(604_800).default(86_400),
    /** Allowed clock difference for the ID token's exp / nbf / iat. */
    clockToleranceSeconds: z.number().int().min(0).max(600).default(120),
  })
  .strict()
  .superRefine((settings, ctx) => {
    if (!settings.clientSecret === !settings.clientCertificate) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'set either clientSecret or clientCertificate (one of them)' });
    }
    if (settings.tenant === MULTI_TENANT && !settings.allowedTenants) {
      ctx.addIssue({ code: 'custom', path: ['allowedTenants'], message: `Required when tenant is ${MULTI_TENANT}: list the home tenant ids allowed in` });
    }
    if (settings.tenant !== MULTI_TENANT && settings.allowedTenants?.some((id) => id.toLowerCase() !== settings.tenant.toLowerCase())) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedTenants'],
        message: 'a single-tenant site accepts only its own tenant; use tenant: organizations for several',
      });
    }
  });

export type EntraSettings = z.infer<typeof entraSettingsSchema>;

/** Parses the block, throwing an Error whose message names each wrong option ("directory.clientId: …"). */
export function parseEntraSettings(input: unknown): EntraSettings {
  const parsed = entraSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `directory.${issue.path.join('.')}: ${issue.message}`);
  throw new Error(problems.join('; '));
}

/** The tenants whose users this site accepts, lower case. */
export function allowedTenantsOf(settings: EntraSettings): Set<string> {
  const ids = settings.tenant === MULTI_TENANT ? (settings.allowedTenants ?? []) : [settings.tenant];
  return new Set(ids.map((id) => id.toLowerCase()));
}

export function authorityOf(settings: EntraSettings): string {
  return `${settings.authorityHost.replace(/\/+$/, '')}/${settings.tenant}`;
}

export function metadataUrlOf(settings: EntraSettings): string {
  return settings.metadataUrl ?? `${authorityOf(settings)}/v2.0/.well-known/openid-configuration`;
}

/** The issuer Entra puts in ID tokens of this tenant: <authorityHost>/<tid>/v2.0. */
export function expectedIssuer(settings: EntraSettings, tenantId: string): string {
  return `${settings.authorityHost.replace(/\/+$/, '')}/${tenantId}/v2.0`;
}
