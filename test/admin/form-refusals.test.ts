import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { uploadCsv } from '../invitations/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { consoleSignIn, getPage, makeAdmin, postForm } from './console-support.ts';

/** Console forms declare their input (http/route-input.ts): what each says about a refused form, and its status. */
describe('admin console: refused form input', () => {
  let running: RunningAdmit;
  const admin = new FormBrowser();

  beforeAll(async () => {
    running = await startAdmit({
      config: {
        sites: [
          {
            id: 'DEMO',
            displayName: 'Demo site',
            directory: { kind: 'local' },
            signIn: { changePasswordAtFirstSignIn: false },
            signUp: { mode: 'invitation' },
          },
        ],
      },
    });
    await consoleSignIn(running, admin, await makeAdmin(running, { site: 'DEMO', username: 'gina', adminSites: ['*'] }));
  });
  afterAll(() => running?.stop());

  it('an invitation with a bad email says so, with the fields filled in again', async () => {
    const page = await getPage(running, admin, '/admin/invitations');
    const { response } = await postForm(running, admin, page.html, '/admin/invitations', {
      email: 'not-an-email',
      name: 'Nell Name',
      site: 'DEMO',
      role: 'user',
      groups: '',
      days: '',
    });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /Enter a valid email address\./);
    assert.match(html, /value="Nell Name"/);
    const badDays = await postForm(running, admin, page.html, '/admin/invitations', {
      email: 'nell@example.com',
      site: 'DEMO',
      role: 'user',
      groups: '',
      days: '91',
    });
    assert.equal(badDays.response.status, 400);
    assert.match(await badDays.response.text(), /Valid for: 1 to 90 days\./);
  });

  it("says a shared schema's refusal in the console's language (the same codes the API answers in English)", async () => {
    const page = await getPage(running, admin, '/admin/invitations');
    const french = { 'accept-language': 'fr' };
    const post = (fields: Record<string, string>) =>
      admin.follow(new URL('/admin/invitations', running.issuer), undefined, {
        form: { _csrf: /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!, site: 'DEMO', role: 'user', groups: '', ...fields },
        headers: french,
      });
    const badDays = await post({ email: 'nell@example.com', days: '91' });
    assert.equal(badDays.response.status, 400);
    assert.match(await badDays.response.text(), /Valable : de 1 à 90 jours\./);
    const badEmail = await post({ email: 'not-an-email', days: '' });
    assert.match(await badEmail.response.text(), /Saisissez une adresse e-mail valide\./);
    const reversed = await admin.follow(new URL('/admin/audit?from=2025-02-01&to=2025-01-01', running.issuer), undefined, {
      headers: { 'accept-language': 'de' },
    });
    assert.equal(reversed.response.status, 400);
    assert.match(await reversed.response.text(), /„Von“ muss am oder vor „Bis“ liegen\./);
  });

  it("an upload for no site or with a bad validity is refused with the form's sentence", async () => {
    const page = await getPage(running, admin, '/admin/invitations');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const { status, html } = await uploadCsv(
      running,
      admin,
      { _csrf: csrf, site: 'DEMO', days: 'soon' },
      { name: 'people.csv', content: 'email\nann@example.com\n' },
    );
    assert.equal(status, 400);
    assert.match(html, /Choose one of your sites and a validity of 1 to 90 days\./);
  });

  it('a relying application with a bad id or redirect URIs is refused; an unknown one is not found', async () => {
    const page = await getPage(running, admin, '/admin/clients');
    const badId = await postForm(running, admin, page.html, '/admin/clients', {
      client_id: 'no spaces!',
      redirect_uris: 'https://app.example.com/cb',
      type: 'public',
    });
    assert.equal(badId.response.status, 400);
    assert.match(await badId.response.text(), /Client ID: letters, digits, \. _ - \(at most 100\)\./);
    const made = await postForm(running, admin, page.html, '/admin/clients', {
      client_id: 'app-one',
      redirect_uris: 'https://app.example.com/cb',
      type: 'public',
    });
    assert.equal(made.response.status, 200);
    const listed = await getPage(running, admin, '/admin/clients');
    const badUris = await postForm(running, admin, listed.html, '/admin/clients/app-one/redirect-uris', { redirect_uris: 'http://app.example.com/cb' });
    assert.equal(badUris.response.status, 400);
    assert.match(await badUris.response.text(), /app-one: /);
    const unknown = await admin.request(`${running.issuer}/admin/clients/nobody/redirect-uris`, {
      form: { _csrf: /name="_csrf" value="([^"]+)"/.exec(listed.html)![1]!, redirect_uris: 'bad' },
    });
    assert.equal(unknown.status, 404);
  });
});
