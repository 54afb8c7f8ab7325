import { z } from 'zod';
import { assertSafeUrl, UpstreamUnavailableError } from './network-client.ts';
import { type EntraSettings, expectedIssuer, MULTI_TENANT, metadataUrlOf } from './settings.ts';

const openIdConfiguration = z.object({
  issuer: z.url(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  end_session_endpoint: z.url().optional(),
});

export type OpenIdConfiguration = z.infer<typeof openIdConfiguration>;

/**
 * The tenant's OpenID configuration, read once and reused for
 * `metadataCacheSeconds`. It is handed to MSAL as `authorityMetadata`, so
 * MSAL makes no discovery calls of its own (which would have no timeout),
 * and checked here: endpoints over https, and the issuer this tenant's.
 */
export function createMetadataSource(settings: EntraSettings, getJson: (url: string) => Promise<unknown>) {
  let cached: { value: OpenIdConfiguration; until: number } | undefined;

  async function load(): Promise<OpenIdConfiguration> {
    if (cached && cached.until > Date.now()) return cached.value;
    const url = metadataUrlOf(settings);
    const parsed = openIdConfiguration.safeParse(await getJson(url));
    if (!parsed.success) throw new UpstreamUnavailableError(`${url}: not an OpenID configuration`);
    const value = parsed.data;
    for (const endpoint of [value.authorization_endpoint, value.token_endpoint, value.jwks_uri]) assertSafeUrl(endpoint);
    const wanted = settings.tenant === MULTI_TENANT ? expectedIssuer(settings, '{tenantid}') : expectedIssuer(settings, settings.tenant);
    if (value.issuer.toLowerCase() !== wanted.toLowerCase()) {
      throw new UpstreamUnavailableError(`${url}: issuer ${value.issuer} is not ${wanted}; check tenant, authorityHost and metadataUrl`);
    }
    cached = { value, until: Date.now() + settings.metadataCacheSeconds * 1000 };
    return value;
  }

  return { load, forget: () => (cached = undefined) };
}
