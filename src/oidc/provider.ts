import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import type { CookieSigner } from '../http/cookie-signer.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Renderer } from '../http/render.ts';
import { providerCookieOptions } from '../lib/cookies.ts';
import type { AccountService } from '../services/accounts.ts';
import { createOidcAdapterFactory } from '../store/oidc-adapter.ts';
import type { Store } from '../store/port.ts';
import { clientBasedCORS } from './client-cors.ts';
import { createFindAccount } from './find-account.ts';
import { isFirstParty, loadExistingGrant } from './first-party-grant.ts';
import { createInteractionPolicy, type SessionGate } from './interaction-policy.ts';
import { pairwiseIdentifier } from './pairwise.ts';
import { portalClient } from './portal-client.ts';
import { postAsGet } from './post-endpoints.ts';
import { protocolFeatures, protocolSettings } from './protocol-settings.ts';
import { providerPages } from './provider-pages.ts';
import { ignoreOfflineAccessOnFirstPartyRefresh } from './refresh-scope.ts';
import { resourceIndicators } from './resource-servers.ts';

export { ACR_MFA, ACR_PASSWORD } from './protocol-settings.ts';

export interface ProviderDeps {
  config: Config;
  store: Store;
  accounts: AccountService;
  render: Renderer;
  metrics: Metrics;
  signingKeys: Record<string, unknown>[];
  /** The sign-in steps, whose session checks become login checks (interaction-policy.ts). */
  steps: SessionGate[];
  /** Signs the provider's cookies; the same signer as the app's (see http/cookie-signer.ts). */
  cookieKeys: CookieSigner;
  /** Keys pairwise subject identifiers (derived from the master secret, see pairwise.ts). */
  subjectKey: string;
}

/**
 * oidc-provider configured for admit. Everything protocol-shaped (discovery,
 * PKCE, token rotation, introspection, logout) is oidc-provider's own; admit
 * supplies storage, accounts, pages, and policy.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const { config, store, accounts, render, metrics } = deps;
  const { tokens } = config;
  const pages = providerPages(render);

  const configuration: Configuration = {
    adapter: createOidcAdapterFactory(store),
    clients: [...config.clients.map(toClientMetadata), portalClient(config.server.issuer)],
    extraClientMetadata: {
      properties: ['first_party', 'pkce_required'],
      validator(_ctx, key, value) {
        if ((key === 'first_party' || key === 'pkce_required') && value !== undefined && typeof value !== 'boolean') {
          throw new Error(`${key} must be a boolean`);
        }
      },
    },
    findAccount: createFindAccount(accounts, store),
    // The self-service portal's "Manage devices" (see flows/mfa/step-up.ts).
    extraParams: ['admit_manage'],
    ...protocolSettings(tokens),
    // The APIs' scopes are the provider's too: a client registered with `scope` asks only for what it lists
    // (oidc-provider answers anything else invalid_scope), which is how a management API client's grant is bounded.
    scopes: [...new Set([...protocolSettings(tokens).scopes, ...config.apis.flatMap((api) => api.scopes)])],
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: pairwiseIdentifier(deps.subjectKey),
    // First-party applications get refresh tokens without `prompt=consent`;
    // those refresh tokens end with the session (oidc-provider's expiresWithSession).
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || isFirstParty(client)),
    loadExistingGrant,
    interactions: {
      policy: createInteractionPolicy({ accounts, steps: deps.steps }),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    cookies: {
      keys: deps.cookieKeys,
      // Secure when the issuer is https, like admit's own cookies (lib/cookies.ts).
      long: providerCookieOptions(config.server.issuer),
      short: providerCookieOptions(config.server.issuer),
    },
    jwks: { keys: deps.signingKeys as never[] },
    features: {
      devInteractions: { enabled: false },
      ...protocolFeatures,
      resourceIndicators: resourceIndicators(config.apis, tokens.accessTokenSeconds),
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
    },
    // Browser apps: CORS for the origins of a client's own redirect URIs only.
    clientBasedCORS,
    renderError: pages.renderError,
    fetch: outgoingFetch(config.server.allowLoopbackRequests),
  };

  const provider = new Provider(config.server.issuer, configuration);
  provider.use(postAsGet(['/auth', '/session/end']));
  ignoreOfflineAccessOnFirstPartyRefresh(provider);
  provider.proxy = config.server.trustProxy;
  provider.maxIpsCount = config.server.trustedProxyHops;
  // One counter child per kind, made once: the labels are not hashed again for every token.
  const countIssued = (kind: string) => {
    const issued = metrics.tokens.labels({ kind });
    return () => issued.inc();
  };
  provider.on('access_token.saved', countIssued('access_token'));
  provider.on('client_credentials.saved', countIssued('client_credentials'));
  provider.on('refresh_token.saved', countIssued('refresh_token'));
  provider.on('authorization_code.saved', countIssued('authorization_code'));
  return provider;
}

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * oidc-provider's outgoing requests keep its SSRF guard (a dispatcher that
 * refuses private and loopback addresses), except, when allowed, for URLs
 * whose host is literally loopback. A name that merely resolves to loopback
 * stays refused, so DNS cannot be used to get around the guard.
 */
function outgoingFetch(allowLoopback: boolean): Configuration['fetch'] {
  return (url, options) => {
    if (allowLoopback && LOOPBACK_HOSTS.test(new URL(url).hostname)) {
      const { dispatcher: _guard, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, rest);
    }
    return globalThis.fetch(url, options);
  };
}

/** A machine client (client credentials only) has no redirect: it never takes part in a sign-in. */
function toClientMetadata(client: Config['clients'][number]): ClientMetadata {
  const signsUsersIn = (client.grant_types ?? ['authorization_code']).includes('authorization_code');
  return signsUsersIn ? { ...client } : { ...client, response_types: [] };
}
