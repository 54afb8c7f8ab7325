import type { Context } from 'koa';
import type { AdapterPayload, Provider } from 'oidc-provider';
import { accountGrantsKey, accountSessionsKey, createOidcAdapterFactory } from '../store/oidc-adapter.ts';
import { type Store, storeKey } from '../store/port.ts';
import { sendBackchannelLogout } from './backchannel-logout.ts';
import type { BackchannelNotice } from './outbox/deliverers.ts';
import type { Outbox } from './outbox/outbox.ts';

export interface SessionSummary {
  id: string;
  /** When the user signed in (seconds since epoch). */
  signedInAt: number;
  amr: string[];
  /** The applications this session signed in to. */
  clients: string[];
  /** The User-Agent of the browser that signed in, as noted when the session began (absent for older sessions). */
  userAgent?: string;
}

/** The browser a session began in, kept beside oidc-provider's Session record (which has no field for it). */
const sessionBrowserKey = (sessionId: string) => storeKey('session-browser', sessionId);
const BROWSER_NOTE_SECONDS = 30 * 24 * 3600;
/** How many ids of an account's session or grant index one read takes. */
const INDEX_PAGE = 100;
/** Sessions & Devices lists at most this many (Sign out everywhere still ends every one). */
const LISTED_SESSIONS = 50;

/**
 * A person's SSO sessions (oidc-provider's Session records, indexed by
 * account in the adapter): listing them, and signing one or all out, which
 * also revokes the grants — and so the refresh tokens — each session gave,
 * and tells each application that registered a back-channel logout URI (as
 * RP-initiated logout does). Signing out everywhere, or everywhere but this
 * browser (after a password write), also revokes the account's grants whose
 * session is already gone.
 */
export function createSessionService({ store, provider, outbox }: { store: Store; provider: Provider; outbox?: Outbox }) {
  const Adapter = createOidcAdapterFactory(store);
  const sessionAdapter = new Adapter('Session');
  const grantAdapter = new Adapter('Grant');

  /**
   * The account's live sessions, one page of its index at a time (never the
   * whole set at once: a person could pile up sessions by signing in again
   * and again). Ids whose session expired on its own are dropped as they are met.
   */
  async function* sessionPages(accountId: string): AsyncGenerator<{ id: string; payload: AdapterPayload }[]> {
    let cursor: string | undefined;
    do {
      const page = await store.setScan(accountSessionsKey(accountId), { cursor, count: INDEX_PAGE });
      const found = await Promise.all(page.members.map(async (id) => ({ id, payload: await sessionAdapter.find(id) })));
      const live = found.filter((entry): entry is { id: string; payload: AdapterPayload } => entry.payload?.accountId === accountId);
      await Promise.all(found.filter((entry) => !live.includes(entry as never)).map((entry) => store.removeFromSet(accountSessionsKey(accountId), entry.id)));
      yield live;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** Up to `limit` live sessions of the account. */
  async function load(accountId: string, limit: number): Promise<{ id: string; payload: AdapterPayload }[]> {
    const sessions: { id: string; payload: AdapterPayload }[] = [];
    for await (const page of sessionPages(accountId)) {
      sessions.push(...page);
      if (sessions.length >= limit) break;
    }
    return sessions.slice(0, limit);
  }

  const authorizationsOf = (payload: AdapterPayload | undefined) => (payload?.authorizations ?? {}) as Record<string, { grantId?: string; sid?: string }>;
  const grantIdsOf = (payload: AdapterPayload | undefined) =>
    Object.values(authorizationsOf(payload))
      .map((entry) => entry.grantId)
      .filter((grantId): grantId is string => typeof grantId === 'string');

  /** A grant and every token it gave (refresh tokens, access tokens, codes). */
  async function revokeGrant(grantId: string): Promise<void> {
    await grantAdapter.revokeByGrantId(grantId);
    await grantAdapter.destroy(grantId);
  }

  async function end(id: string, payload: AdapterPayload): Promise<void> {
    await Promise.all(grantIdsOf(payload).map(revokeGrant));
    await Promise.all([sessionAdapter.destroy(id), store.delete(sessionBrowserKey(id))]);
    await tellApplications(String(payload.accountId), authorizationsOf(payload));
  }

  /**
   * Every session of the account but `keep`, the grants they gave, and the
   * account's grants whose session is already gone (offline access outlives
   * its session): only the kept session's grants and tokens stay.
   */
  async function endAllBut(accountId: string, keep: string | undefined): Promise<number> {
    let ended = 0;
    let keptGrants = new Set<string>();
    for await (const page of sessionPages(accountId)) {
      const kept = page.find((entry) => entry.id === keep);
      if (kept) keptGrants = new Set(grantIdsOf(kept.payload));
      const others = page.filter((entry) => entry !== kept);
      await Promise.all(others.map(({ id, payload }) => end(id, payload)));
      ended += others.length;
    }
    // The grants index, a page at a time too; a grant that expired on its own leaves its id behind there.
    let cursor: string | undefined;
    do {
      const page = await store.setScan(accountGrantsKey(accountId), { cursor, count: INDEX_PAGE });
      const orphans = page.members.filter((grantId) => !keptGrants.has(grantId));
      await Promise.all(orphans.map(revokeGrant));
      await Promise.all(orphans.map((grantId) => store.removeFromSet(accountGrantsKey(accountId), grantId)));
      cursor = page.cursor;
    } while (cursor !== undefined);
    return ended;
  }

  /**
   * Back-channel logout tokens (OIDC Back-Channel Logout 1.0): through the
   * outbox when there is one (retried until the application answers; the
   * page does not wait for it), else sent now, best effort like
   * oidc-provider's own. The grants are already revoked either way.
   */
  async function tellApplications(accountId: string, authorizations: Record<string, { sid?: string }>): Promise<void> {
    await Promise.allSettled(
      Object.entries(authorizations).map(async ([clientId, { sid }]) => {
        const client = await provider.Client.find(clientId);
        if (!client?.backchannelLogoutUri || !sid) return;
        if (outbox) {
          const notice: BackchannelNotice = { clientId, accountId, sid };
          await outbox.enqueue([{ channel: 'backchannel', to: clientId, kind: 'logout', payload: notice }]);
          return;
        }
        // Best effort, as oidc-provider's own end_session (the failure is its backchannel.error event).
        await sendBackchannelLogout(provider, client, accountId, sid);
      }),
    );
  }

  /** The id of this browser's SSO session, when it is signed in as this account. */
  async function currentSessionId(ctx: Context, accountId: string): Promise<string | undefined> {
    const session = await provider.Session.get(ctx);
    return session.accountId === accountId ? session.jti : undefined;
  }

  /**
   * Notes the browser of each session once, at its first authorization (the
   * sign-in's own request, so its User-Agent is the person's browser); the
   * first note wins. The composition root calls this once per provider.
   */
  function noteBrowsers(): void {
    provider.on('authorization.success', (ctx: Context & { oidc?: { session?: { jti?: string; accountId?: string } } }) => {
      const session = ctx.oidc?.session;
      const agent = ctx.get('user-agent').slice(0, 400);
      if (!session?.jti || !session.accountId || !agent) return;
      store.setIfAbsent(sessionBrowserKey(session.jti), agent, { ttlSeconds: BROWSER_NOTE_SECONDS }).catch(() => {});
    });
  }

  return {
    noteBrowsers,
    async list(accountId: string): Promise<SessionSummary[]> {
      const sessions = await load(accountId, LISTED_SESSIONS);
      const agents = await Promise.all(sessions.map(({ id }) => store.get(sessionBrowserKey(id))));
      return sessions
        .map(({ id, payload }, index) => ({
          id,
          signedInAt: Number(payload.loginTs ?? 0),
          amr: (payload.amr as string[] | undefined) ?? [],
          clients: Object.keys((payload.authorizations ?? {}) as object),
          userAgent: agents[index],
        }))
        .sort((a, b) => b.signedInAt - a.signedInAt);
    },
    /** Ends one session of this account; false when it is not this account's (or already gone). */
    async signOut(accountId: string, sessionId: string): Promise<boolean> {
      // Read by its id (no walk of the index); the record says whose it is.
      const payload = await sessionAdapter.find(sessionId);
      if (payload?.accountId !== accountId) return false;
      await end(sessionId, payload);
      return true;
    },
    /** Ends every session of the account and every grant (so every refresh token) it has. */
    signOutEverywhere(accountId: string): Promise<number> {
      return endAllBut(accountId, undefined);
    },
    /** The same, except the session of the browser making this request when it is this account's: what a password write ends. */
    async signOutOthers(ctx: Context | undefined, accountId: string): Promise<number> {
      return endAllBut(accountId, ctx ? await currentSessionId(ctx, accountId) : undefined);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
