import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import type { RunningAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const MFA_RP_SECRET = 'mfa-rp-secret-0123456789-0123456789';
const isCallback = (location: URL) => location.href.startsWith(REDIRECT_URI);

export interface Page {
  url: URL;
  status: number;
  html: string;
  /** The redirect back to the application, when the sign-in ended. */
  callback?: URL;
}

/**
 * Drives the sign-in with plain form posts, as a browser without
 * JavaScript would: for the protocol-level MFA tests (Chromium tests use
 * real pages).
 */
export class FlowDriver {
  readonly browser = new FormBrowser();
  page: Page = { url: new URL('http://invalid/'), status: 0, html: '' };
  /** The CSRF token of the last page that had a form (error pages have none). */
  csrf = '';
  verifier = '';
  state = '';
  nonce = '';

  readonly running: RunningAdmit;
  readonly clientId: string;
  readonly secret: string;

  constructor(running: RunningAdmit, clientId = 'rp', secret = MFA_RP_SECRET) {
    this.running = running;
    this.clientId = clientId;
    this.secret = secret;
  }

  config() {
    return oidc.discovery(new URL(this.running.issuer), this.clientId, this.secret, undefined, { execute: [oidc.allowInsecureRequests] });
  }

  /** Starts an authorization request and follows it to the first page (or straight back to the app). */
  async authorize(extra: Record<string, string> = {}): Promise<Page> {
    this.verifier = oidc.randomPKCECodeVerifier();
    this.state = oidc.randomState();
    this.nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(await this.config(), {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(this.verifier),
      code_challenge_method: 'S256',
      state: this.state,
      nonce: this.nonce,
      ...extra,
    });
    return this.land(await this.browser.follow(url, isCallback));
  }

  /** Posts the page's form whose action contains `action`, with its CSRF token and these fields. */
  async submit(action: string, fields: Record<string, string> = {}, options: { csrf?: string } = {}): Promise<Page> {
    const target = new URL(formAction(this.page.html, action), this.page.url);
    const form = { _csrf: options.csrf ?? inputValue(this.page.html, '_csrf'), ...fields };
    return this.land(await this.browser.follow(target, isCallback, { form }));
  }

  /** Posts to any path of the current interaction (for out-of-turn and forged requests). */
  async postTo(path: string, fields: Record<string, string>): Promise<Page> {
    const uid = /\/interaction\/([^/]+)/.exec(this.page.url.pathname)?.[1] ?? /\/interaction\/([^/"]+)/.exec(this.page.html)?.[1];
    assert.ok(uid, 'an interaction is under way');
    const target = new URL(`/interaction/${uid}/${path}`, this.running.issuer);
    return this.land(await this.browser.follow(target, isCallback, { form: { _csrf: this.csrf, ...fields } }));
  }

  async get(url: string | URL): Promise<Page> {
    return this.land(await this.browser.follow(new URL(url, this.running.issuer), isCallback));
  }

  /** RP-initiated logout: the confirmation page, then "Yes, sign me out". Cookies other than the session's stay. */
  async signOut(): Promise<void> {
    const confirm = await this.get('/session/end');
    const action =
      /<form[^>]*id="op.logoutForm"[^>]*action="([^"]+)"/.exec(confirm.html)?.[1] ??
      /<form[^>]*action="([^"]+)"[^>]*id="op.logoutForm"/.exec(confirm.html)?.[1];
    assert.ok(action, confirm.html.slice(0, 500));
    await this.browser.follow(new URL(action, this.running.issuer), undefined, { form: { xsrf: inputValue(confirm.html, 'xsrf'), logout: 'yes' } });
  }

  async signIn(username: string, password: string, site = 'DEMO'): Promise<Page> {
    return this.submit('/login', { username, password, site });
  }

  /** Redeems the code the application received and returns the ID token's claims. */
  async tokens() {
    assert.ok(this.page.callback, `expected the sign-in to end at the application, at ${this.page.url.pathname}: ${this.page.html.slice(0, 300)}`);
    const tokens = await oidc.authorizationCodeGrant(await this.config(), this.page.callback, {
      pkceCodeVerifier: this.verifier,
      expectedState: this.state,
      expectedNonce: this.nonce,
      idTokenExpected: true,
    });
    return tokens.claims()!;
  }

  private async land({ response, url }: { response: Response; url: URL }): Promise<Page> {
    if (isCallback(url)) {
      await response.body?.cancel();
      this.page = { url, status: 302, html: '', callback: url };
    } else {
      this.page = { url, status: response.status, html: await response.text() };
      const token = /name="_csrf" value="([^"]+)"/.exec(this.page.html)?.[1];
      if (token) this.csrf = token;
    }
    return this.page;
  }
}

/** The `value` of the submit button whose text is `label` (e.g. the choose page's "Text me" of a device). */
export function buttonValue(html: string, label: string): string {
  const match = new RegExp(`<button[^>]*value="([^"]*)"[^>]*>${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</button>`).exec(html);
  if (!match?.[1]) throw new Error(`no button "${label}" in the page`);
  return match[1];
}
