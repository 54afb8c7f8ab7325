/**
 * A minimal browser for protocol tests: keeps cookies per origin, follows
 * redirects only when asked, and reads form fields from pages. Page tests use
 * real Chromium instead; this is for driving OIDC flows through openid-client.
 */
export class FormBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  async request(url: string | URL, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
    const cookies = this.jar.get(target.origin);
    if (cookies && cookies.size > 0) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(target, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.store(target.origin, line);
    return response;
  }

  /** Follows redirects until a page is shown or `stopAt` matches the next location. */
  async follow(
    url: string | URL,
    stopAt?: (location: URL) => boolean,
    init?: Parameters<FormBrowser['request']>[1],
  ): Promise<{ response: Response; url: URL }> {
    let current = new URL(url);
    let response = await this.request(current, init);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops += 1) {
      if (hops > 10) throw new Error('too many redirects');
      const next = new URL(response.headers.get('location') ?? '', current);
      if (stopAt?.(next)) return { response, url: next };
      current = next;
      response = await this.request(current);
    }
    return { response, url: current };
  }

  /** The Cookie header this browser would send to the origin. */
  cookieHeader(origin: string): string {
    return [...(this.jar.get(origin) ?? [])].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string): void {
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    this.jar.set(origin, cookies.set(name, value));
  }

  deleteCookie(origin: string, name: string): void {
    this.jar.get(origin)?.delete(name);
  }

  clearCookies(origin: string): void {
    this.jar.delete(origin);
  }

  private store(origin: string, line: string): void {
    const [pair] = line.split(';');
    const index = pair?.indexOf('=') ?? -1;
    if (!pair || index < 0) return;
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    this.jar.set(origin, cookies);
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name);
    else cookies.set(name, value);
  }
}

/** The value of a named input in an HTML page. */
export function inputValue(html: string, name: string): string {
  const match = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html) ?? new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(html);
  if (!match?.[1]) throw new Error(`no input named ${name} in the page`);
  return match[1].replace(/&amp;/g, '&').replace(/&#34;/g, '"').replace(/&#39;/g, "'");
}

/** The action of the first form whose action matches. */
export function formAction(html: string, contains: string): string {
  const match = new RegExp(`<form[^>]*action="([^"]*${contains}[^"]*)"`).exec(html);
  if (!match?.[1]) throw new Error(`no form posting to *${contains}* in the page`);
  return match[1].replace(/&amp;/g, '&');
}
