import assert from 'node:assert/strict';
import nock from 'nock';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { signIn } from '../entra/entra-admit.ts';
import { type EntraUser, entraDirectory, fakeMicrosoft, microsoftKey, offline, TENANT } from '../entra/fake-microsoft.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { pageText } from './help-world.ts';

/** Sign In Help is one link away from the sign-in page, every error page and the Entra outcome pages (for their site). */
describe('links to Sign In Help', () => {
  let running: RunningAdmit;
  let microsoft: Awaited<ReturnType<typeof fakeMicrosoft>>;
  beforeAll(async () => {
    offline();
    microsoft = await fakeMicrosoft(await microsoftKey());
    running = await startAdmit({
      config: {
        sites: [
          { id: 'PARTNER', displayName: 'Partner Center', directory: entraDirectory({ domains: [] }), signUp: { mode: 'approval' }, mfa: { required: false } },
          { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' } },
        ],
        clients: [
          {
            client_id: 'rp',
            client_name: 'Partner Center',
            client_secret: 'entra-rp-secret-0123456789-0123456789',
            first_party: true,
            redirect_uris: ['http://127.0.0.1:9/rp-callback'],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await running?.stop();
    microsoft?.stop();
    nock.enableNetConnect();
  });

  it('"Account not registered" links to the help of its site, which answers for Microsoft accounts', async () => {
    const who: EntraUser = {
      tid: TENANT,
      oid: '00000001-dddd-4bbb-8ccc-000000000001',
      email: 'stranger@contoso.test',
      name: 'Stranger',
      groups: [],
      amr: ['pwd'],
    };
    microsoft.state.nextUser = who;
    const attempt = await signIn(running, { site: 'PARTNER' });
    const html = await attempt.response.text();
    assert.equal(attempt.response.status, 403);
    assert.match(html, /Account not registered/);
    assert.match(html, /<a href="\/help\?site=PARTNER">Sign-in help<\/a>/);
    const help = pageText(await (await attempt.browser.request(`${running.issuer}/help?site=PARTNER`)).text());
    assert.match(help, /What if I do not remember my Microsoft account password\?/);
  });

  it('an error page and the sign-in page link to it too', async () => {
    const browser = new FormBrowser();
    const missing = await browser.request(`${running.issuer}/nothing-here`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<a href="\/help">Sign-in help<\/a>/);
    const expired = await browser.request(`${running.issuer}/interaction/not-a-real-one`);
    assert.match(await expired.text(), /<a href="\/help">Sign-in help<\/a>/);
  });
});
