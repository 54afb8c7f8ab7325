import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { clearCookie, setCookie } from '../lib/cookies.ts';

/** The application a person came to the portal from: its name and where "Back to <name>" leads. */
export interface ReturnApplication {
  clientId: string;
  name: string;
  url: string;
}

const COOKIE = 'admit.portal-app';
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const INTERACTION_UID = /^[A-Za-z0-9_-]{8,64}$/;

interface ClientView {
  clientId: string;
  clientName?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  [key: string]: unknown;
}

const httpUrl = (value: unknown): URL | undefined => {
  if (typeof value !== 'string' || value.length > 2000) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
};

/**
 * "Back to <application>" after a portal flow. The portal learns where the
 * person came from when it is opened with `client_id` (and optionally
 * `return_to`), or from a sign-in page's `interaction`: only a registered
 * client's own addresses are ever used — its `client_uri`, a
 * post-logout redirect URI, or the origin of a redirect URI — so a foreign
 * `return_to` is ignored, never followed (no open redirect). admit's own
 * clients (the portal, the console) are not applications to go back to.
 * The choice is kept in a signed cookie for the browser session and checked
 * again against the client's registration each time it is read.
 */
export function createApplications({ provider, issuer }: { provider: Provider; issuer: string }) {
  const own = new URL(issuer).origin;

  /** The client's addresses a person may be sent back to, home first. */
  function addressesOf(client: ClientView): string[] {
    const candidates = [
      client.clientUri,
      ...(client.postLogoutRedirectUris ?? []),
      ...(client.redirectUris ?? []).map((uri) => httpUrl(uri) && `${new URL(uri).origin}/`),
    ];
    const urls = candidates.map(httpUrl).filter((url): url is URL => url !== undefined && url.origin !== own);
    return [...new Set(urls.map((url) => url.href))];
  }

  async function resolve(clientId: unknown, returnTo?: unknown): Promise<ReturnApplication | undefined> {
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) return undefined;
    const client = (await provider.Client.find(clientId).catch(() => undefined)) as ClientView | undefined;
    if (!client) return undefined;
    const addresses = addressesOf(client);
    const wanted = returnTo === undefined ? addresses[0] : httpUrl(returnTo)?.href;
    if (!wanted || !addresses.includes(wanted)) return undefined;
    return { clientId, name: client.clientName || clientId, url: wanted };
  }

  async function clientOfInteraction(uid: unknown): Promise<string | undefined> {
    if (typeof uid !== 'string' || !INTERACTION_UID.test(uid)) return undefined;
    const interaction = await provider.Interaction.find(uid).catch(() => undefined);
    const clientId = interaction?.params.client_id;
    return typeof clientId === 'string' ? clientId : undefined;
  }

  /** Middleware for portal pages: remembers the application a link named (a foreign address changes nothing). */
  async function remember(ctx: Context, next: Next): Promise<void> {
    if (ctx.method === 'GET') {
      const { client_id: clientId, return_to: returnTo, interaction } = ctx.query;
      const found =
        clientId !== undefined
          ? await resolve(clientId, returnTo)
          : interaction !== undefined
            ? await resolve(await clientOfInteraction(interaction))
            : undefined;
      if (found) {
        setCookie(ctx, COOKIE, Buffer.from(JSON.stringify({ c: found.clientId, u: found.url })).toString('base64url'));
        ctx.state.application = found;
      }
    }
    await next();
  }

  /** The remembered application, still registered with that address; undefined otherwise. */
  async function current(ctx: Context): Promise<ReturnApplication | undefined> {
    if (ctx.state.application) return ctx.state.application as ReturnApplication;
    const raw = ctx.cookies.get(COOKIE, { signed: true });
    if (!raw) return undefined;
    try {
      const { c, u } = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { c?: unknown; u?: unknown };
      return await resolve(c, u);
    } catch {
      clearCookie(ctx, COOKIE);
      return undefined;
    }
  }

  return { remember, current };
}

export type Applications = ReturnType<typeof createApplications>;
