import { isIP } from 'node:net';
import { isSpecialUseIP } from 'oidc-provider/lib/helpers/fetch_request.js';

/** Where admit may send a site's events: the outgoing-request rule of the deployment. */
export interface WebhookUrlRule {
  /** NODE_ENV=production: https only. */
  production: boolean;
  /** server.allowLoopbackRequests (development and tests): literal loopback hosts are allowed, as for every outgoing request. */
  allowLoopback: boolean;
}

const MAX_URL_LENGTH = 2000;
const LOOPBACK_NAMES = /^(localhost|.+\.localhost)$/i;
const LOOPBACK_LITERAL = /^(localhost|127(?:\.\d{1,3}){3}|::1)$/;

/**
 * Why admit will not POST to this URL, as a sentence for the form, or
 * undefined when it may. The same rule the delivery meets (guarded-fetch.ts):
 * an address oidc-provider's guard refuses (loopback, private, link-local, …)
 * is refused here already, when it is written as an IP, so a subscription
 * that could never be delivered is not saved. A host name is checked again
 * at every delivery, on the address it resolves to.
 */
export function webhookUrlProblem(raw: string, rule: WebhookUrlRule): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return `The endpoint URL is longer than ${MAX_URL_LENGTH} characters.`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Enter the full endpoint URL, such as https://hooks.example.com/admit.';
  }
  const https = url.protocol === 'https:';
  if (!https && !(url.protocol === 'http:' && !rule.production)) {
    return rule.production ? 'Use an https:// endpoint URL (admit sends events over TLS only).' : 'Use an http:// or https:// endpoint URL.';
  }
  if (url.username || url.password) return 'Leave the user name and password out of the endpoint URL (the signature proves the sender).';
  const host = mappedIpv4(url.hostname.replace(/^\[|\]$/g, ''));
  const special = LOOPBACK_NAMES.test(host) || (isIP(host) !== 0 && isSpecialUseIP(host));
  if (special && !(rule.allowLoopback && LOOPBACK_LITERAL.test(host))) {
    return `The endpoint ${url.hostname} is a loopback or private address, which admit does not call; use the receiver's public address.`;
  }
  return undefined;
}

/** An IPv4-mapped IPv6 address as the URL parser writes it (::ffff:a00:1) in the dotted form the guard's table reads (::ffff:10.0.0.1). */
function mappedIpv4(host: string): string {
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(host);
  if (!match) return host;
  const [high, low] = [Number.parseInt(match[1]!, 16), Number.parseInt(match[2]!, 16)];
  return `::ffff:${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
