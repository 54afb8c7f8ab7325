import { randomBytes } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import { type ClientConfig, clientSchema } from '../config/clients.ts';
import { createOidcAdapterFactory } from '../store/oidc-adapter.ts';
import { type Store, storeKey } from '../store/port.ts';
import { INTERNAL_CLIENT_IDS } from './internal-clients.ts';

/** The ids of clients registered in the store (by the console or `admit client add`); the adapter has no listing of its own. */
export const registeredClientsKey = storeKey('clients', 'registered');

export type RegisteredClient = ClientConfig & { registered: true };

export type RegisterOutcome = { status: 'ok'; secret?: string } | { status: 'invalid'; field: string; message: string } | { status: 'exists' };

/**
 * Relying applications registered in the store, through the oidc-provider
 * adapter's Client model (as `admit client add` does). Config-file clients
 * are shown beside them, read-only; admit's internal clients never.
 */
export function createClientRegistry({ store, configClients }: { store: Store; configClients: ClientConfig[] }) {
  const adapter = new (createOidcAdapterFactory(store))('Client');
  const fromConfig = () => configClients.filter((client) => !INTERNAL_CLIENT_IDS.has(client.client_id));

  async function find(id: string): Promise<ClientConfig | undefined> {
    return (await adapter.find(id)) as ClientConfig | undefined;
  }

  async function list(): Promise<{ config: ClientConfig[]; registered: ClientConfig[] }> {
    const ids = (await store.setMembers(registeredClientsKey)).sort();
    const registered = (await Promise.all(ids.map(find))).filter((client): client is ClientConfig => client !== undefined);
    return { config: fromConfig(), registered };
  }

  function validate(metadata: Record<string, unknown>): { ok: true; client: ClientConfig } | { ok: false; field: string; message: string } {
    const parsed = clientSchema.safeParse(metadata);
    if (parsed.success) return { ok: true, client: parsed.data };
    const issue = parsed.error.issues[0];
    return { ok: false, field: String(issue?.path[0] ?? ''), message: issue?.message ?? 'invalid' };
  }

  async function save(client: ClientConfig): Promise<void> {
    await adapter.upsert(client.client_id, client as unknown as ClientMetadata as never, undefined as never);
    await store.addToSet(registeredClientsKey, client.client_id);
  }

  /** Registers a confidential (secret generated, returned once) or public client. */
  async function register(input: { id: string; name?: string; redirectUris: string[]; firstParty: boolean; isPublic: boolean }): Promise<RegisterOutcome> {
    if (INTERNAL_CLIENT_IDS.has(input.id) || configClients.some((client) => client.client_id === input.id) || (await find(input.id)))
      return { status: 'exists' };
    const secret = input.isPublic ? undefined : randomBytes(32).toString('base64url');
    const checked = validate({
      client_id: input.id,
      client_name: input.name || undefined,
      client_secret: secret,
      token_endpoint_auth_method: input.isPublic ? 'none' : 'client_secret_basic',
      redirect_uris: input.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      first_party: input.firstParty,
    });
    if (!checked.ok) return { status: 'invalid', field: checked.field, message: checked.message };
    await save(checked.client);
    return { status: 'ok', secret };
  }

  /** A new secret for a registered confidential client; the old one stops working at once. */
  async function rotateSecret(id: string): Promise<string | undefined> {
    const client = await find(id);
    if (!client || client.token_endpoint_auth_method === 'none') return undefined;
    const secret = randomBytes(32).toString('base64url');
    await save({ ...client, client_secret: secret });
    return secret;
  }

  async function setRedirectUris(id: string, redirectUris: string[]): Promise<RegisterOutcome> {
    const client = await find(id);
    if (!client) return { status: 'invalid', field: 'client_id', message: 'not a registered client' };
    const checked = validate({ ...client, redirect_uris: redirectUris });
    if (!checked.ok) return { status: 'invalid', field: checked.field, message: checked.message };
    await save(checked.client);
    return { status: 'ok' };
  }

  /** Removes a registered client (config-file and internal clients are not the registry's): it can no longer sign anyone in or get tokens. */
  async function remove(id: string): Promise<'ok' | 'not_found'> {
    if (!(await find(id))) return 'not_found';
    await adapter.destroy(id);
    await store.removeFromSet(registeredClientsKey, id);
    return 'ok';
  }

  return { list, find, register, rotateSecret, setRedirectUris, remove };
}

export type ClientRegistry = ReturnType<typeof createClientRegistry>;
