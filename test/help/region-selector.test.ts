import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FormBrowser } from '../support/form-browser.ts';
import { type HelpWorld, pageText, startHelpWorld } from './help-world.ts';

/** Seed 002's Region Selector: a plain form, cookies remembered a year, back to a page of admit only. */
describe('the region selector (POST /region)', () => {
  let world: HelpWorld;
  beforeAll(async () => {
    world = await startHelpWorld();
  });
  afterAll(async () => world?.stop());

  async function choose(form: Record<string, string>, options: { csrf?: string } = {}) {
    const { browser, csrf } = await world.browserAt('/help');
    const response = await browser.request(`${world.running.issuer}/region`, { form: { _csrf: options.csrf ?? csrf, ...form } });
    return { browser, response, cookies: response.headers.getSetCookie() };
  }

  it('is on the help page: countries grouped by region and named in the page language, the shipped languages in their own', async () => {
    const { html } = await world.browserAt('/help');
    assert.match(pageText(html), /Select a region and country for the best experience\./);
    assert.match(html, /<form method="post" action="\/region"/);
    assert.match(html, /<optgroup label="Europe">/);
    assert.match(html, /<option value="FR">France<\/option>/);
    for (const name of ['English', 'Français', 'Deutsch', 'Español']) assert.ok(html.includes(`>${name}</option>`), name);
  });

  it('sets admit.region and admit.locale (long-lived, SameSite=Lax, signed) and goes back to the page it came from', async () => {
    const { response, cookies, browser } = await choose({ country: 'DE', language: 'de', returnTo: '/help?site=DEMO' });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/help?site=DEMO');
    for (const [name, value] of [
      ['admit.region', 'DE'],
      ['admit.locale', 'de'],
    ]) {
      const line = cookies.find((cookie) => cookie.startsWith(`${name}=`));
      assert.ok(line, `${name} is set`);
      assert.ok(line.startsWith(`${name}=${value};`), line);
      assert.match(line, /samesite=lax/i);
      assert.match(line, /expires=/i);
      const expires = Date.parse(/expires=([^;]+)/i.exec(line)![1]!);
      assert.ok(expires - Date.now() > 300 * 86_400_000, 'remembered for about a year');
      assert.ok(
        cookies.some((cookie) => cookie.startsWith(`${name}.sig=`)),
        `${name} is signed`,
      );
    }
    // The next page shows the choice selected.
    const html = await (await browser.request(`${world.running.issuer}/help`)).text();
    assert.match(html, /<option value="DE" selected>/);
  });

  it('refuses to send the browser anywhere but a page of admit (no open redirect), and changes nothing', async () => {
    for (const returnTo of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      '/ok\r\nSet-Cookie: x=1',
      'help',
      '',
    ]) {
      const { response, cookies } = await choose({ country: 'FR', language: 'fr', returnTo });
      assert.equal(response.status, 400, returnTo);
      assert.equal(response.headers.get('location'), null, returnTo);
      assert.ok(!cookies.some((cookie) => cookie.startsWith('admit.region=') || cookie.startsWith('admit.locale=')), `${returnTo}: no cookie`);
      assert.match(pageText(await response.text()), /That return address is not a page of this site\. Nothing was changed\./);
    }
  });

  it('an unknown country or language is refused with a clear message, nothing changed', async () => {
    const cases: { form: Record<string, string>; message: RegExp }[] = [
      { form: { country: 'XX', language: 'en' }, message: /Choose a country from the list\. Nothing was changed\./ },
      { form: { country: '', language: 'en' }, message: /Choose a country from the list/ },
      { form: { country: 'FR', language: 'klingon' }, message: /Choose a language from the list\. Nothing was changed\./ },
      { form: { country: 'FR', language: 'pt' }, message: /Choose a language from the list/ },
      { form: { language: 'fr' }, message: /Choose a country from the list/ },
    ];
    for (const { form, message } of cases) {
      const { response, cookies } = await choose({ returnTo: '/help', ...form });
      assert.equal(response.status, 400, JSON.stringify(form));
      assert.ok(!cookies.some((cookie) => /^admit\.(region|locale)=/.test(cookie)), JSON.stringify(form));
      assert.match(pageText(await response.text()), message);
    }
  });

  it('a lower-case country and a regional language tag are understood (fr-CA is French)', async () => {
    const { response, cookies } = await choose({ country: 'ca', language: 'fr-CA', returnTo: '/help' });
    assert.equal(response.status, 303);
    assert.ok(cookies.some((cookie) => cookie.startsWith('admit.region=CA;')));
    assert.ok(cookies.some((cookie) => cookie.startsWith('admit.locale=fr;')));
  });

  it('refuses a post without the CSRF token (403), no cookie', async () => {
    const browser = new FormBrowser();
    const response = await browser.request(`${world.running.issuer}/region`, { form: { country: 'FR', language: 'fr', returnTo: '/help' } });
    assert.equal(response.status, 403);
    assert.ok(!response.headers.getSetCookie().some((cookie) => cookie.startsWith('admit.region=')));
  });

  it('a forged or unknown region cookie is ignored (the selector shows no country)', async () => {
    const browser = new FormBrowser();
    browser.setCookie(world.running.issuer, 'admit.region', 'ZZ');
    const html = await (await browser.request(`${world.running.issuer}/help`)).text();
    assert.match(html, /<option value="" selected>Choose your country<\/option>/);
  });
});
