import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { contrast } from '../../src/branding/accent-stylesheet.ts';
import { pageText } from '../help/help-world.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';

const fixtures = join(import.meta.dirname, 'fixtures');

/** The logo and accent stylesheet admit serves for a branded site, and what a site without branding keeps. */
describe('brand files (/brand/<site>/logo, /brand/<site>.css)', () => {
  let running: RunningAdmit;
  beforeAll(async () => {
    running = await startAdmit({
      config: {
        sites: [
          {
            id: 'ITRONMS',
            displayName: 'Itron Managed Services',
            directory: { kind: 'local' },
            branding: {
              productName: 'Itron MSP',
              logo: join(fixtures, 'logo.svg'),
              accentColor: '#00a160',
              support: { email: 'support@itron.example', phone: '+1 800 555 0100' },
              tabTitle: 'Itron Customer Center',
            },
          },
          { id: 'PNGSITE', displayName: 'PNG site', directory: { kind: 'local' }, branding: { logo: join(fixtures, 'logo.png') } },
          { id: 'PLAIN', displayName: 'Plain site', directory: { kind: 'local' } },
        ],
      },
    });
  });
  afterAll(async () => running?.stop());
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${running.issuer}${path}`, { headers });

  it('serves an SVG logo as image/svg+xml with a sandboxing CSP, nosniff, an ETag and a cache lifetime', async () => {
    const response = await get('/brand/ITRONMS/logo');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/svg+xml');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'.*sandbox/);
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /script-src/);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=86400');
    const etag = response.headers.get('etag');
    assert.match(etag ?? '', /^"[A-Za-z0-9_-]{22}"$/);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), readFileSync(join(fixtures, 'logo.svg')));
    const again = await get('/brand/ITRONMS/logo', { 'if-none-match': etag! });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
  });

  it('serves a PNG logo as image/png, never sniffed, without the SVG policy', async () => {
    const response = await get('/brand/PNGSITE/logo');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), readFileSync(join(fixtures, 'logo.png')));
  });

  it('the accent colour is a stylesheet of custom properties, with an ETag; no inline style on the page, the CSP unchanged', async () => {
    const sheet = await get('/brand/ITRONMS.css');
    assert.equal(sheet.status, 200);
    assert.equal(sheet.headers.get('content-type'), 'text/css; charset=utf-8');
    const css = await sheet.text();
    const brand = /--brand: (#[0-9a-f]{6});/.exec(css)?.[1];
    assert.ok(brand, css);
    // #00a160 is too light for white text (about 3.4:1): it is darkened until it reads (WCAG AA, 4.5:1).
    assert.ok(contrast(brand, '#ffffff') >= 4.5, `${brand} on white`);
    assert.match(css, /--brand-dark: #[0-9a-f]{6};/);
    assert.equal((await get('/brand/ITRONMS.css', { 'if-none-match': sheet.headers.get('etag')! })).status, 304);
    const page = await get('/help?site=ITRONMS', { accept: 'text/html' });
    const html = await page.text();
    assert.match(html, /<link rel="stylesheet" href="\/brand\/ITRONMS\.css">/);
    assert.doesNotMatch(html, /style="/);
    assert.match(page.headers.get('content-security-policy') ?? '', /style-src 'self'/);
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /unsafe-inline/);
  });

  it("a site without branding, an unknown site or a path trick: 404, admit's look kept", async () => {
    for (const path of [
      '/brand/PLAIN/logo',
      '/brand/PLAIN.css',
      '/brand/NOPE/logo',
      '/brand/PNGSITE.css',
      '/brand/..%2Fpackage.json',
      '/brand/ITRONMS/logo/x',
    ]) {
      assert.equal((await get(path)).status, 404, path);
    }
    const html = await (await get('/help?site=PLAIN', { accept: 'text/html' })).text();
    assert.match(html, /<title>Sign In Help · Customer &amp; Partner Center<\/title>/);
    assert.match(html, /class="brand-mark"/);
    assert.doesNotMatch(html, /\/brand\//);
  });

  it('the help page of a branded site carries its name, logo, tab title and support contact', async () => {
    const html = await (await get('/help?site=ITRONMS', { accept: 'text/html' })).text();
    assert.match(html, /<title>Sign In Help · Itron Customer Center<\/title>/);
    assert.match(html, /<img class="brand-logo" src="\/brand\/ITRONMS\/logo\?v=[^"]+"/);
    assert.match(html, /<span class="brand-name">Itron MSP<\/span>/);
    const text = pageText(html);
    assert.match(text, /If you continue to experience issues logging in, please contact Email support@itron\.example Phone \+1 800 555 0100/);
    assert.match(html, /href="mailto:support@itron\.example"/);
    assert.match(html, /href="tel:\+18005550100"/);
    assert.match(text, /Contact support@itron\.example and request the email be resent\./);
  });
});
