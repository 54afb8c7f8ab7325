import type { AdapterPayload, Provider } from 'oidc-provider';
import type { Store } from '../store/port.ts';
import { accountSessionsKey, createOidcAdapterFactory } from '../store/oidc-adapter.ts';

export interface SessionSummary {
  id: string;
  /** When the user signed in (seconds since epoch). */
  signedInAt: number;
  amr: string[];
  /** The applications this session signed in to. */
  clients: string[];
}

/**
 * A person's SSO sessions (oidc-provider's Session records, indexed by
 * account in the adapter): listing them, and signing one or all out, which
 * also revokes the grants — and so the refresh tokens — each session gave,
 * and tells each application that registered a back-channel logout URI (as
 * RP-initiated logout does).
 */
export function createSessionService({ store, provider }: { store: Store; provider: Provider }) {
  const Adapter = createOidcAdapterFactory(store);
  const sessionAdapter = new Adapter('Session');
  const grantAdapter = new Adapter('Grant');

  async function load(accountId: string): Promise<{ id: string; payload: AdapterPayload }[]> {
    const ids = await store.setMembers(accountSessionsKey(accountId));
    const found = await Promise.all(ids.map(async (id) => ({ id, payload: await sessionAdapter.find(id) })));
    const live = found.filter((entry): entry is { id: string; payload: AdapterPayload } => entry.payload?.accountId === accountId);
    // Sessions that expired on their own leave their id behind in the index.
    await Promise.all(found.filter((entry) => !live.includes(entry as never)).map((entry) => store.removeFromSet(accountSessionsKey(accountId), entry.id)));
    return live;
  }

  async function end(id: string, payload: AdapterPayload): Promise<void> {
    const authorizations = (payload.authorizations ?? {}) as Record<string, { grantId?: string; sid?: string }>;
    const grantIds = Object.values(authorizations).map((entry) => entry.grantId).filter((grantId): grantId is string => typeof grantId === 'string');
    await Promise.all(grantIds.map(async (grantId) => {
      await grantAdapter.revokeByGrantId(grantId);
      await grantAdapter.destroy(grantId);
    }));
    await sessionAdapter.destroy(id);
    await tellApplications(String(payload.accountId), authorizations);
  }

  /** Back-channel logout tokens (OIDC Back-Channel Logout 1.0), best effort like oidc-provider's own: the grants are already revoked. */
  async function tellApplications(accountId: string, authorizations: Record<string, { sid?: string }>): Promise<void> {
    await Promise.allSettled(Object.entries(authorizations).map(async ([clientId, { sid }]) => {
      const client = await provider.Client.find(clientId);
      if (!client?.backchannelLogoutUri || !sid) return;
      // oidc-provider's Client has backchannelLogout() (end_session uses it); @types/oidc-provider does not declare it.
      const notifier = client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> };
      await notifier.backchannelLogout(accountId, sid).then(
        () => provider.emit('backchannel.success', undefined, client, accountId, sid),
        (error: unknown) => provider.emit('backchannel.error', undefined, error, client, accountId, sid),
      );
    }));
  }

  return {
    async list(accountId: string): Promise<SessionSummary[]> {
      const sessions = await load(accountId);
      return sessions
        .map(({ id, payload }) => ({
          id,
          signedInAt: Number(payload.loginTs ?? 0),
          amr: (payload.amr as string[] | undefined) ?? [],
          clients: Object.keys((payload.authorizations ?? {}) as object),
        }))
        .sort((a, b) => b.signedInAt - a.signedInAt);
    },
    /** Ends one session of this account; false when it is not this account's (or already gone). */
    async signOut(accountId: string, sessionId: string): Promise<boolean> {
      const session = (await load(accountId)).find((entry) => entry.id === sessionId);
      if (!session) return false;
      await end(session.id, session.payload);
      return true;
    },
    async signOutEverywhere(accountId: string): Promise<number> {
      const sessions = await load(accountId);
      await Promise.all(sessions.map(({ id, payload }) => end(id, payload)));
      return sessions.length;
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
