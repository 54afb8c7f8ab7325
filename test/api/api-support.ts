import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { API_SCOPES } from '../../src/api/scopes.ts';
import { type Account, createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';

export const SECRET = 'api-client-secret-0123456789-abcdefghijkl';
export const ALL = API_SCOPES.join(' ');
/** A site admin's reach, without relying applications (which are global). */
export const SITE_SCOPES = API_SCOPES.filter((scope) => !scope.startsWith('admit:clients')).join(' ');

const apiClient = (id: string, scope: string, sites: string[]) => ({
  client_id: id,
  client_secret: SECRET,
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope,
  api_sites: sites,
});

/** admit with two sites and API clients: every site and scope; DEMO only; DEMO read-only users; and an ordinary machine client. */
export function startApiAdmit(options: { store?: string; requestsPerMinute?: number } = {}): Promise<RunningAdmit> {
  return startAdmit({
    store: options.store,
    config: {
      sites: [
        { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
        { id: 'OTHER', displayName: 'Other site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
      ],
      clients: [
        apiClient('ops', ALL, ['*']),
        apiClient('crm-demo', SITE_SCOPES, ['DEMO']),
        apiClient('reader', 'admit:users:read', ['DEMO']),
        // Relying applications are global: a site client registered for them still finds none (404, as a site admin).
        apiClient('site-apps', 'admit:clients:read admit:clients:write', ['DEMO']),
        { client_id: 'machine', client_secret: SECRET, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' },
      ],
      managementApi: { requestsPerMinute: options.requestsPerMinute ?? 100_000 },
    },
  });
}

export const resourceOf = (running: RunningAdmit) => `${running.issuer}/api/v1`;

/** The token endpoint's answer for a client_credentials request. */
export async function tokenResponse(
  running: RunningAdmit,
  clientId: string,
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${running.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** An access token for the management API with these scopes. */
export async function tokenFor(running: RunningAdmit, clientId: string, scope: string): Promise<string> {
  const { status, body } = await tokenResponse(running, clientId, { scope, resource: resourceOf(running) });
  if (status !== 200) throw new Error(`token for ${clientId}: ${status} ${JSON.stringify(body)}`);
  return body.access_token as string;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** One API call; the body is sent as JSON unless `raw` is given. */
export async function call(
  running: RunningAdmit,
  token: string | undefined,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${running.issuer}/api/v1${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** A local user with an account in the site (what an invitation's redemption or `admit user add` leaves). */
export async function makeUser(running: RunningAdmit, site: string, username: string, extra: Partial<Account> = {}): Promise<Account> {
  const { store } = running.admit;
  const user = await createLocalDirectory({ store, siteId: site }).addUser({
    username,
    password: 'User#Pass2026-x',
    email: `${username}@${site.toLowerCase()}.test`,
    name: `${username} Person`,
  });
  const accounts = createAccountService({ store });
  const account = await accounts.linkOrCreate(site, 'local', { externalId: user.id, username: user.username, name: user.name, email: user.email, groups: [] });
  const saved = { ...account, ...extra };
  await accounts.save(saved);
  return saved;
}

/** An access request waiting for a decision, with its pending account. */
export async function makeRequest(running: RunningAdmit, site: string, username: string) {
  const account = await makeUser(running, site, username, { status: 'pending_approval' });
  return running.admit.approval.requests.submit({
    siteId: site,
    accountId: account.id,
    username,
    name: `${username} Person`,
    email: `${username}@${site.toLowerCase()}.test`,
    organisation: 'Acme',
    reason: 'Partner work',
  });
}

/** The stored audit events of an action, newest first (today's). */
export async function auditOf(running: RunningAdmit, action: string) {
  const today = new Date().toISOString().slice(0, 10);
  // record() is not awaited by the actions: give it a moment to land.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const { createAuditQuery } = await import('../../src/services/audit/audit-query.ts');
  const page = await createAuditQuery({ store: running.admit.store }).page({ scope: { allSites: true }, action, from: today, to: today }, { limit: 200 });
  return page.items;
}
