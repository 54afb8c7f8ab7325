/**
 * oidc-provider's outgoing-request helper (lib/helpers/fetch_request.js,
 * version pinned in guarded-fetch.ts): every request the provider makes
 * (back-channel logout, jwks_uri) goes through it.
 */
declare module 'oidc-provider/lib/helpers/fetch_request.js' {
  /** The SSRF-guarded request: a dispatcher that refuses special-use addresses, a 2.5 s timeout, then the configured `fetch`. */
  export default function fetchRequest(provider: object, url: string, options: RequestInit): Promise<Response>;
  /** Whether an IP address is loopback, private, link-local or another special-use range (what the guard refuses). */
  export function isSpecialUseIP(address: string): boolean;
}
