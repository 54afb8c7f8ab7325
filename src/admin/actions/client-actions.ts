import type { Context } from 'koa';
import type { RegisterOutcome } from '../client-registry.ts';
import { type ActionActor, type ActionDeps, auditAction } from './actor.ts';

export interface ClientRegistration {
  id: string;
  name?: string;
  redirectUris: string[];
  firstParty: boolean;
  isPublic: boolean;
}

/** Registers a relying application (global admins only: the caller checks), audited with its outcome. */
export async function registerClient(deps: ActionDeps, ctx: Context | undefined, actor: ActionActor, input: ClientRegistration): Promise<RegisterOutcome> {
  const outcome = await deps.clients.register(input);
  auditAction(deps, ctx, actor, {
    action: 'admin.client.register',
    outcome: outcome.status,
    detail: { client: input.id, type: input.isPublic ? 'public' : 'confidential', firstParty: input.firstParty },
  });
  return outcome;
}

/** A new secret for a registered confidential client; undefined for any other id. */
export async function rotateClientSecret(deps: ActionDeps, ctx: Context | undefined, actor: ActionActor, id: string): Promise<string | undefined> {
  const secret = await deps.clients.rotateSecret(id);
  auditAction(deps, ctx, actor, { action: 'admin.client.rotate_secret', outcome: secret ? 'ok' : 'not_found', detail: { client: id } });
  return secret;
}

/** Removes a registered relying application; one of the config file is not the registry's ("not found"). */
export async function removeClient(deps: ActionDeps, ctx: Context | undefined, actor: ActionActor, id: string): Promise<'ok' | 'not_found'> {
  const outcome = await deps.clients.remove(id);
  auditAction(deps, ctx, actor, { action: 'admin.client.remove', outcome, detail: { client: id } });
  return outcome;
}

/** Replaces a registered client's redirect URIs. */
export async function setClientRedirectUris(
  deps: ActionDeps,
  ctx: Context | undefined,
  actor: ActionActor,
  id: string,
  uris: string[],
): Promise<RegisterOutcome> {
  const outcome = await deps.clients.setRedirectUris(id, uris);
  auditAction(deps, ctx, actor, { action: 'admin.client.redirect_uris', outcome: outcome.status, detail: { client: id, redirectUris: uris.join(' ') } });
  return outcome;
}
