/**
 * A load script: the HTTP requests of one operation, in order. One script is
 * run by two executors: autocannon (closed model, throughput) and the
 * open-model runner (fixed arrival rate, latency). A step builds its request
 * from the flow's context and checks the answer, storing what later steps need.
 */
export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; set-cookie is always a list. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Per-flow state: the cookie jar and values carried between steps. */
export interface FlowContext {
  cookies: Record<string, string>;
  vars: Record<string, string>;
}

export interface Step {
  readonly name: string;
  /** undefined: the flow cannot go on (an earlier step failed). */
  request(context: FlowContext): HttpRequest | undefined;
  /** True when the answer is the expected one; may store values in the context. */
  check(response: HttpResponse, context: FlowContext): boolean;
}

export interface Script {
  readonly steps: readonly Step[];
}

export const newContext = (): FlowContext => ({ cookies: {}, vars: {} });

/** Keeps the Set-Cookie values of a response (name=value only; an expired cookie is dropped). */
export function storeCookies(context: FlowContext, response: HttpResponse): void {
  const lines = response.headers['set-cookie'];
  for (const line of typeof lines === 'string' ? [lines] : (lines ?? [])) {
    const pair = line.split(';', 1)[0] ?? '';
    const index = pair.indexOf('=');
    if (index <= 0) continue;
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) delete context.cookies[name];
    else context.cookies[name] = value;
  }
}

export function cookieHeader(context: FlowContext): Record<string, string> {
  const entries = Object.entries(context.cookies);
  return entries.length === 0 ? {} : { cookie: entries.map(([name, value]) => `${name}=${value}`).join('; ') };
}

/** Header names lower-cased, repeated headers as lists (autocannon hands them over as sent). */
export function normaliseHeaders(raw: Record<string, string | string[] | undefined>): HttpResponse['headers'] {
  const headers: HttpResponse['headers'] = {};
  for (const [name, value] of Object.entries(raw)) {
    const key = name.toLowerCase();
    headers[key] = key === 'set-cookie' && typeof value === 'string' ? [value] : value;
  }
  return headers;
}

export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A redirect's Location as a URL (a relative one is resolved against a placeholder origin). */
export function location(response: HttpResponse): URL | undefined {
  const value = header(response, 'location');
  return value ? new URL(value, 'http://server.invalid') : undefined;
}

export const pathOf = (url: URL) => `${url.pathname}${url.search}`;

export const basicAuth = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

export const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' } as const;
