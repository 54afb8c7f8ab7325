import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A site's SCIM 2.0 provisioning settings (src/scim; README "SCIM
 * provisioning"). The endpoint needs a token, made in the console's
 * Provisioning page; these only shape what it accepts.
 */
export const scimSettingsSchema = z
  .object({
    /**
     * For a site whose users sign in at Microsoft Entra ID: the tenant whose
     * users' object ids Entra sends as `externalId` (map objectId to
     * externalId). The account is linked to `<tenantId>:<objectId>`, the
     * identity its sign-in finds. Without it, externalId must be `<tid>:<oid>`.
     */
    tenantId: z.string().regex(GUID, 'use the tenant id (a GUID) shown in the Entra admin center').optional(),
    /** Requests one token may make per minute (a sliding window); more are answered 429 with Retry-After. */
    requestsPerMinute: z.number().int().min(10).max(100_000).default(1200),
  })
  .strict();

export type ScimSettings = z.infer<typeof scimSettingsSchema>;
export const defaultScimSettings: ScimSettings = scimSettingsSchema.parse({});
