import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { inputValue } from '../support/form-browser.ts';

const CALLBACK = 'http://127.0.0.1:9/callback';
const CLIENT = { client_id: 'rp', client_secret: 'r'.repeat(40), first_party: true, redirect_uris: [CALLBACK] };
const PUBLIC_HTTPS = 'https://id.admit.test';

/**
 * A browser behind a TLS-terminating proxy: it talks to the public origin,
 * each request reaches admit's port over plain http with the headers nginx
 * adds. It keeps every Set-Cookie line and every answer's HSTS header.
 */
class ProxiedBrowser {
  readonly setCookies: string[] = [];
  readonly hsts: (string | null)[] = [];
  private readonly jar = new Map<string, string>();
  private readonly running: RunningAdmit;
  private readonly publicOrigin: string;
  private readonly proto: 'https' | 'http' | undefined;
  /** `proto`: the X-Forwarded-Proto the proxy sends, none when undefined. */
  constructor(running: RunningAdmit, publicOrigin: string, proto: 'https' | 'http' | undefined) {
    this.running = running;
    this.publicOrigin = publicOrigin;
    this.proto = proto;
  }

  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const target = new URL(url, this.publicOrigin);
    assert.equal(target.origin, this.publicOrigin, `stays on admit: ${target.href}`);
    const local = new URL(`${target.pathname}${target.search}`, `http://127.0.0.1:${this.running.port}`);
    const headers: Record<string, string> = { accept: 'text/html', 'x-forwarded-host': target.host, 'x-forwarded-for': '203.0.113.50' };
    if (this.proto) headers['x-forwarded-proto'] = this.proto;
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(local, {
      method: form ? 'POST' : 'GET',
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    });
    this.hsts.push(response.headers.get('strict-transport-security'));
    for (const line of response.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      if (pair.slice(index + 1) === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, pair.slice(index + 1));
    }
    return response;
  }

  /** Follows admit's redirects until a page, or until one leaves admit (the relying application's callback). */
  async follow(url: string, form?: Record<string, string>): Promise<{ response: Response; url: URL }> {
    let current = new URL(url, this.publicOrigin);
    let response = await this.request(current.href, form);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops += 1) {
      assert.ok(hops < 12, 'too many redirects');
      current = new URL(response.headers.get('location') ?? '', current);
      await response.arrayBuffer();
      if (current.origin !== this.publicOrigin) break;
      response = await this.request(current.href);
    }
    return { response, url: current };
  }

  names(): Set<string> {
    return new Set(this.setCookies.map((line) => line.slice(0, line.indexOf('='))));
  }
}

/** Signs in to the portal, then to an application (single sign-on), opens the console, and starts Reset Password. */
async function walk(browser: ProxiedBrowser): Promise<void> {
  // The portal signs in as a first-party client of admit (its state cookie), through the sign-in page.
  const signIn = await browser.follow('/portal/password');
  assert.equal(signIn.response.status, 200);
  assert.match(signIn.url.pathname, /^\/interaction\//);
  const csrf = inputValue(await signIn.response.text(), '_csrf');
  const portal = await browser.follow(`${signIn.url.pathname}/login`, { _csrf: csrf, username: 'tess', password: 'Tess-Password-42', site: 'DEMO' });
  assert.equal(portal.url.pathname, '/portal/password', 'signed in to the portal');
  await portal.response.arrayBuffer();

  const auth = `/auth?${new URLSearchParams({ client_id: 'rp', response_type: 'code', scope: 'openid', redirect_uri: CALLBACK, code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' })}`;
  const done = await browser.follow(auth);
  assert.equal(`${done.url.origin}${done.url.pathname}`, CALLBACK, 'the application got its code on the same session');
  assert.ok(done.url.searchParams.get('code'));

  // The console's state cookie.
  await (await browser.follow('/admin')).response.arrayBuffer();

  // Reset Password's flow cookie.
  const reset = await browser.follow('/portal/reset');
  const resetCsrf = inputValue(await reset.response.text(), '_csrf');
  const started = await browser.request('/portal/reset', { _csrf: resetCsrf, username: 'tess', site: 'DEMO' });
  assert.equal(started.status, 303);
  await started.arrayBuffer();

  const discovery = await browser.request('/.well-known/openid-configuration');
  await discovery.arrayBuffer();
}

const EXPECTED = ['admit.csrf', '_interaction', '_session', 'admit.portal-state', 'admit.admin-state', 'admit.reset'];

describe('transport security follows the issuer', () => {
  describe('https issuer behind a trusted TLS-terminating proxy', () => {
    let running: RunningAdmit;
    let browser: ProxiedBrowser;
    beforeAll(async () => {
      running = await startAdmit({ issuer: PUBLIC_HTTPS, config: { server: { trustProxy: true, allowLoopbackRequests: true }, clients: [CLIENT] } });
      await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({ username: 'tess', password: 'Tess-Password-42' });
      browser = new ProxiedBrowser(running, PUBLIC_HTTPS, 'https');
      await walk(browser);
    });
    afterAll(() => running?.stop());

    it('sends HSTS on every answer: pages, redirects and JSON', () => {
      assert.ok(browser.hsts.length > 8);
      for (const header of browser.hsts) assert.equal(header, 'max-age=31536000; includeSubDomains');
    });

    it("marks every cookie it sets Secure, HttpOnly and SameSite=Lax, admit's and oidc-provider's", () => {
      const names = browser.names();
      for (const name of EXPECTED) assert.ok(names.has(name) && names.has(`${name}.sig`), `${name} (and its signature) was set: ${[...names].join(', ')}`);
      for (const line of browser.setCookies) {
        assert.match(line, /; secure(;|$)/, line);
        assert.match(line, /; httponly(;|$)/, line);
        assert.match(line, /; samesite=lax(;|$)/, line);
      }
    });

    it("keeps Secure on admit's cookies when the proxy does not say https: the issuer decides, not the request", async () => {
      const silent = new ProxiedBrowser(running, PUBLIC_HTTPS, undefined);
      const page = await silent.follow('/portal/reset');
      const csrf = inputValue(await page.response.text(), '_csrf');
      const started = await silent.request('/portal/reset', { _csrf: csrf, username: 'tess', site: 'DEMO' });
      assert.equal(started.status, 303);
      const names = silent.names();
      for (const name of ['admit.csrf', 'admit.reset']) assert.ok(names.has(name), `${name} was set: ${[...names].join(', ')}`);
      for (const line of silent.setCookies) assert.match(line, /; secure(;|$)/, line);
      for (const header of silent.hsts) assert.equal(header, 'max-age=31536000; includeSubDomains');
      // oidc-provider's cookies carry Secure too: on a request it sees as plain http it refuses to set them rather than drop the flag.
      const auth = await silent.request(
        `/auth?${new URLSearchParams({ client_id: 'rp', response_type: 'code', scope: 'openid', redirect_uri: CALLBACK, code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' })}`,
      );
      await auth.arrayBuffer();
      for (const line of silent.setCookies) assert.match(line, /; secure(;|$)/, line);
    });
  });

  describe('http issuer (local development)', () => {
    let running: RunningAdmit;
    let browser: ProxiedBrowser;
    beforeAll(async () => {
      running = await startAdmit({ config: { server: { allowLoopbackRequests: true }, clients: [CLIENT] } });
      await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({ username: 'tess', password: 'Tess-Password-42' });
      browser = new ProxiedBrowser(running, running.issuer, 'http');
      await walk(browser);
    });
    afterAll(() => running?.stop());

    it('sets no Secure flag, so a browser on http://localhost keeps the cookies, and sends no HSTS', () => {
      const names = browser.names();
      for (const name of EXPECTED) assert.ok(names.has(name), `${name} was set: ${[...names].join(', ')}`);
      for (const line of browser.setCookies) {
        assert.doesNotMatch(line, /secure/i, line);
        assert.match(line, /; httponly(;|$)/, line);
      }
      for (const header of browser.hsts) assert.equal(header, null);
    });
  });
});
