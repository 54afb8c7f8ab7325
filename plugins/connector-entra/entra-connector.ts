import type { FederatedCallback, FederatedConnector, FederatedContext, FederatedOutcome, Store } from '../../src/kit/index.ts';
import { failureOf } from './errors.ts';
import { checkIdToken } from './id-token.ts';
import { identityFromClaims } from './identity.ts';
import { createMetadataSource } from './metadata.ts';
import { loadCredentials, msalClientFor } from './msal-client.ts';
import { createNetworkClient } from './network-client.ts';
import { createRoundTrips, sameBrowser, secretsOf } from './round-trips.ts';
import { parseEntraSettings } from './settings.ts';
import { createSigningKeySource } from './signing-keys.ts';

/** MSAL adds openid, profile and offline_access itself; `email` is an OIDC scope Microsoft honours. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access']);

/**
 * The Microsoft Entra ID connector of one site: authorization code flow with
 * PKCE as a confidential client (MSAL), with state, nonce and PKCE bound to
 * the round trip and the browser, the ID token checked against the tenant
 * allow-list, and a timeout on every call to Microsoft. `input` is the
 * site's `directory` block (see settings.ts).
 */
export function createEntraConnector(input: unknown, deps: { store: Store; siteId: string }): FederatedConnector {
  const settings = parseEntraSettings(input);
  const credentials = loadCredentials(settings);
  const scopes = settings.scopes.filter((scope) => !OIDC_SCOPES.has(scope));
  const getJson = (url: string) => createNetworkClient({ timeoutMs: settings.timeoutMs }).getJson(url);
  const metadata = createMetadataSource(settings, getJson);
  const keysAt = createSigningKeySource(getJson);
  const trips = createRoundTrips({ store: deps.store, ttlSeconds: settings.roundTripSeconds });

  async function beginSignIn(input: { redirectUri: string; browserBinding: string; context: FederatedContext; loginHint?: string }) {
    const network = createNetworkClient({ timeoutMs: settings.timeoutMs });
    try {
      const client = msalClientFor(settings, credentials, await metadata.load(), network);
      const state = await trips.start({ siteId: deps.siteId, browserBinding: input.browserBinding, context: input.context });
      const { codeChallenge, nonce } = secretsOf(state, input.browserBinding);
      const url = await client.getAuthCodeUrl({
        scopes,
        redirectUri: input.redirectUri,
        state,
        nonce,
        codeChallenge,
        codeChallengeMethod: 'S256',
        // Entra refuses select_account together with an account hint: a typed email already picks the account.
        responseMode: 'query',
        prompt: input.loginHint && settings.prompt === 'select_account' ? undefined : settings.prompt,
        loginHint: input.loginHint,
      });
      return { status: 'redirect' as const, url };
    } catch (error) {
      const failure = failureOf(error, network.failures);
      return { status: 'unavailable' as const, reason: failure.reason };
    }
  }

  async function completeSignIn(input: { redirectUri: string; browserBinding: string; callback: FederatedCallback }): Promise<FederatedOutcome> {
    const { callback } = input;
    const trip = callback.state ? await trips.take(callback.state) : undefined;
    // An unknown state: forged, replayed, expired, or another instance's store.
    if (!trip || !callback.state) return { status: 'rejected', reason: callback.state ? 'unknown_state' : 'missing_state' };
    const { context } = trip;
    if (trip.siteId !== deps.siteId) return { status: 'rejected', reason: `wrong_site:${trip.siteId}`, context };
    if (!sameBrowser(trip, input.browserBinding)) return { status: 'rejected', reason: 'other_browser', context };
    if (callback.error) {
      if (callback.error === 'access_denied' && (callback.error_subcode === 'cancel' || !callback.error_description)) return { status: 'cancelled', context };
      return { status: 'upstream_error', code: callback.error.slice(0, 100), description: (callback.error_description ?? '').slice(0, 500), context };
    }
    if (!callback.code) return { status: 'rejected', reason: 'missing_code', context };

    const { codeVerifier, nonce } = secretsOf(callback.state, input.browserBinding);
    const network = createNetworkClient({ timeoutMs: settings.timeoutMs });
    try {
      const configuration = await metadata.load();
      const client = msalClientFor(settings, credentials, configuration, network);
      // State and nonce are passed so MSAL checks them too (it checks neither when they are left out).
      const result = await client.acquireTokenByCode(
        { code: callback.code, redirectUri: input.redirectUri, scopes, codeVerifier, state: callback.state, nonce },
        { code: callback.code, state: callback.state },
      );
      if (!result?.idToken) return { status: 'rejected', reason: 'no_id_token', context };
      const checked = await checkIdToken(result.idToken, { settings, keys: keysAt(configuration.jwks_uri), nonce });
      if (checked.status !== 'ok') return { ...checked, context };
      const { identity, notes } = identityFromClaims(checked.claims, settings);
      return { status: 'ok', identity, context, notes };
    } catch (error) {
      return { ...failureOf(error, network.failures), context };
    }
  }

  return {
    kind: 'entra',
    federated: true,
    domains: settings.domains,
    redirectUri: settings.redirectUri,
    beginSignIn,
    completeSignIn,
    async health() {
      try {
        await metadata.load();
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: failureOf(error, []).reason };
      }
    },
  };
}
