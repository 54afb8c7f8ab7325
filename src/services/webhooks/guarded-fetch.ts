import type { Provider } from 'oidc-provider';
import fetchRequest from 'oidc-provider/lib/helpers/fetch_request.js';

/** The oidc-provider version whose lib/helpers/fetch_request.js this was written against (guarded-fetch.test.ts pins it). */
export const WRITTEN_FOR_OIDC_PROVIDER = '9.13.3';

/** How long a receiver has to answer: oidc-provider's timeout for every outgoing request (fetch_request.js). */
export const RECEIVER_TIMEOUT_MS = 2500;

/**
 * A webhook POST takes the same road as the back-channel logout notice
 * (services/backchannel-logout.ts): oidc-provider's outgoing request, with
 * its SSRF guard (the connection is dropped when the host resolves to a
 * loopback, private or other special-use address, so DNS cannot be used to
 * get around a check of the URL) and its timeout, then admit's configured
 * fetch (oidc/provider.ts), which lets literal loopback hosts through only
 * with server.allowLoopbackRequests. One rule for every request admit makes
 * to a URL someone else chose, not a second copy of it.
 */
export function guardedFetch(provider: Provider, url: string, init: RequestInit): Promise<Response> {
  return fetchRequest(provider, url, { ...init, redirect: 'manual' });
}
