import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import type { RunningAdmit } from '../support/admit-server.ts';
import { type FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import type { TestSmtpServer } from '../support/smtp-server.ts';

export const RP_SECRET = 'registration-rp-secret-0123456789-abcdef';
export const RP_CALLBACK = 'http://127.0.0.1:9/callback';

export function codeFrom(text: string): string {
  const code = /verification code is (\d{6})/.exec(text)?.[1];
  if (!code) throw new Error(`no code in: ${text}`);
  return code;
}

/** "User Registration" up to the details page: site and email, then the emailed code. */
export async function verifyEmail(running: RunningAdmit, smtp: TestSmtpServer, browser: FormBrowser, site: string, email: string): Promise<string> {
  const start = await (await browser.request(`${running.issuer}/register`)).text();
  const before = smtp.received.length;
  const sent = await browser.request(`${running.issuer}/register`, { form: { _csrf: inputValue(start, '_csrf'), site, email } });
  assert.equal(sent.status, 303, await sent.clone().text());
  const mail = await smtp.waitFor((m) => m.to.includes(email) && smtp.received.indexOf(m) >= before);
  const verify = await (await browser.request(`${running.issuer}/register/verify`)).text();
  const { response, url } = await browser.follow(`${running.issuer}/register/verify`, undefined, {
    form: { _csrf: inputValue(verify, '_csrf'), code: codeFrom(mail.text) },
  });
  const html = await response.text();
  if (url.pathname === '/register/details') return html;
  return `${response.status}:${html}`;
}

/** The details page's form, sent. */
export async function sendDetails(running: RunningAdmit, browser: FormBrowser, detailsPage: string, fields: Record<string, string>) {
  return browser.follow(new URL(formAction(detailsPage, '/register/details'), running.issuer), undefined, {
    form: { _csrf: inputValue(detailsPage, '_csrf'), ...fields },
  });
}

/** An authorization request from the relying party; answers where the sign-in ended: the callback, or a page. */
export async function signInAtRp(
  running: RunningAdmit,
  browser: FormBrowser,
  credentials: { username: string; password: string; site: string },
  extra: Record<string, string> = {},
) {
  const config = await oidc.discovery(new URL(running.issuer), 'rp', RP_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const authorize = oidc.buildAuthorizationUrl(config, {
    redirect_uri: RP_CALLBACK,
    scope: 'openid offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  const isCallback = (location: URL) => location.href.startsWith(RP_CALLBACK);
  let { response, url } = await browser.follow(authorize, isCallback);
  if (isCallback(url)) return { url, status: response.status, html: '', config, verifier };
  const login = await response.text();
  ({ response, url } = await browser.follow(new URL(formAction(login, '/login'), url), isCallback, {
    form: { _csrf: inputValue(login, '_csrf'), ...credentials },
  }));
  return { url, status: response.status, html: isCallback(url) ? '' : await response.text(), config, verifier };
}

export const rpClient = {
  client_id: 'rp',
  client_secret: RP_SECRET,
  first_party: true,
  redirect_uris: [RP_CALLBACK],
  grant_types: ['authorization_code', 'refresh_token'],
};
