import { totpCode } from '../../plugins/mfa-totp/totp.ts';
import { FormBrowser, formAction, inputValue } from '../../test/support/form-browser.ts';
import type { ConsoleAdmin } from './seed.ts';

/**
 * An admin's browser on the console, without a browser: signs in through
 * admit's own sign-in (user name and password, then the authenticator code
 * the console asks for), then fetches console pages with its cookies.
 */
export async function signInToConsole(origin: string, admin: ConsoleAdmin): Promise<FormBrowser> {
  const browser = new FormBrowser();
  let { response, url } = await browser.follow(`${origin}/admin/users`);
  let html = await response.text();
  if (!html.includes('<h1>Sign in</h1>')) throw new Error(`expected the sign-in page at ${url.href}`);
  ({ response, url } = await browser.follow(new URL(formAction(html, '/login'), url), undefined, {
    form: { _csrf: inputValue(html, '_csrf'), username: admin.username, password: admin.password, site: admin.site },
  }));
  html = await response.text();
  if (url.pathname.includes('/mfa')) {
    const method = /name="method" value="(totp:[^"]+)"/.exec(html)?.[1];
    if (!method) throw new Error(`the MFA page offers no authenticator: ${html.slice(0, 300)}`);
    ({ response, url } = await browser.follow(new URL(formAction(html, '/mfa/choose'), url), undefined, {
      form: { _csrf: inputValue(html, '_csrf'), method },
    }));
    html = await response.text();
    ({ response, url } = await browser.follow(new URL(formAction(html, '/mfa/code'), url), undefined, {
      form: { _csrf: inputValue(html, '_csrf'), action: 'verify', code: totpCode(admin.totpSecret) },
    }));
    html = await response.text();
  }
  if (url.pathname !== '/admin/users' || response.status !== 200)
    throw new Error(`the console sign-in ended at ${url.href} (${response.status}): ${html.slice(0, 300)}`);
  return browser;
}
