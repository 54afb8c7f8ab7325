/**
 * The baseline: bare oidc-provider, configured as admit configures it (same
 * signing keys, algorithms, token formats, TTLs, scopes and claims, PKCE and
 * refresh rotation) on admit's own storage adapter and store, but with none of
 * admit's middleware, pages or services. Sign-in is oidc-provider's own
 * devInteractions (any user name is accepted). Run as a child process:
 *   node bench/servers/baseline.ts <spec.json>
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { configSchema } from '../../src/connectors.ts';
import { protocolFeatures, protocolSettings } from '../../src/oidc/protocol-settings.ts';
import { createStore } from '../../src/store/create-store.ts';
import { createOidcAdapterFactory } from '../../src/store/oidc-adapter.ts';
import { API_RESOURCE, baselineClients } from './clients.ts';

export interface BaselineSpec {
  issuer: string;
  port: number;
  storeUrl: string;
  keyPrefix: string;
  /** Private JWKs, the very keys admit signs with. */
  keys: Record<string, unknown>[];
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as BaselineSpec;
// admit's defaults, read from its own schema so the two cannot drift apart.
const { tokens } = configSchema.parse({ sites: [{ id: 'X', displayName: 'X', directory: { kind: 'local' } }] });
const store = await createStore(spec.storeUrl, { keyPrefix: spec.keyPrefix, commandTimeoutMs: 2000, connectTimeoutMs: 5000 });

/** A fixed profile: the baseline has no directory, so claims come from memory. */
const findAccount: Configuration['findAccount'] = async (_ctx, id) => ({
  accountId: id,
  claims: async () => ({
    sub: id,
    name: 'Bench User',
    email: 'bench@example.test',
    email_verified: false,
    phone_number: '+15035550100',
    tenant: 'DEMO',
    groups: ['staff'],
  }),
});

/** oidc-provider's documented "skip consent for first-party clients" recipe. */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const accountId = oidc.session?.accountId;
  if (!oidc.client || !accountId) return undefined;
  const grantId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? oidc.session?.grantIdFor(oidc.client.clientId);
  const grant = (grantId ? await oidc.provider.Grant.find(grantId) : undefined) ?? new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId });
  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
  await grant.save();
  return grant;
}

const configuration: Configuration = {
  adapter: createOidcAdapterFactory(store),
  clients: baselineClients() as unknown as Configuration['clients'],
  findAccount,
  ...protocolSettings(tokens),
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  loadExistingGrant,
  cookies: { keys: ['bench-baseline-cookie-key-0123456789abcdef'] },
  jwks: { keys: spec.keys as never[] },
  features: {
    devInteractions: { enabled: true },
    ...protocolFeatures,
    rpInitiatedLogout: { enabled: true },
    // Only for the JWT client-credentials row: API_RESOURCE gets ES256 JWT access tokens.
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined as unknown as string,
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== API_RESOURCE) throw new Error('unknown resource');
        return { scope: 'api:read', audience: API_RESOURCE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
      },
    },
  },
};

const provider = new Provider(spec.issuer, configuration);
const server = createServer(provider.callback());
server.keepAliveTimeout = 5_000;
server.listen(spec.port, '127.0.0.1', () => process.send?.({ ready: true }));
const stop = () => server.close(() => void store.close().then(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
