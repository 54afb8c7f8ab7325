import type { ActionActor } from '../admin/actions/actor.ts';
import type { ClientConfig } from '../config/clients.ts';
import { API_SCOPES, type ApiScope } from './scopes.ts';

/** A management API client as its registration describes it. */
export interface ApiClient {
  clientId: string;
  /** The admit: scopes its registration lists (what any token of it may carry at most). */
  scopes: Set<ApiScope>;
  /** The sites it manages, as registered ('*' for every site). */
  sites: string[];
  name: string;
}

const isApiScope = (scope: string): scope is ApiScope => (API_SCOPES as readonly string[]).includes(scope);

/** The API clients among the configured clients: those with `api_sites`. */
export function apiClientsOf(clients: readonly ClientConfig[]): Map<string, ApiClient> {
  const found = new Map<string, ApiClient>();
  for (const client of clients) {
    if (!client.api_sites) continue;
    found.set(client.client_id, {
      clientId: client.client_id,
      scopes: new Set((client.scope ?? '').split(' ').filter(isApiScope)),
      sites: client.api_sites,
      name: client.client_name ?? client.client_id,
    });
  }
  return found;
}

/**
 * The API client as the actor of a console action: a site-scoped client is a
 * site admin of its sites (another site's records are "not found"), a client
 * of '*' a global admin. It is no account, so no account is its own.
 */
export function actorOfClient(client: ApiClient, allSiteIds: readonly string[]): ActionActor {
  const allSites = client.sites.includes('*');
  return {
    account: { id: `api:${client.clientId}` },
    allSites,
    sites: allSites ? [...allSiteIds] : allSiteIds.filter((id) => client.sites.includes(id)),
    label: `api:${client.clientId}`,
    displayName: client.name,
  };
}
