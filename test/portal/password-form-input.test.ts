import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { rpClient, signInAtRp } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';

const SITE = 'DEMO';

/**
 * A Change Password form that cannot be read (an empty or overlong field) is
 * refused before any password is checked, with the field's message on the
 * same page: the portal's page and the sign-in's step (which redirects to its
 * page, post/redirect/get) alike. Reset Password's are in reset-race.test.ts.
 */
describe('Change Password: a form that cannot be read', () => {
  let running: RunningAdmit;
  beforeAll(async () => (running = await startAdmit({ config: { clients: [rpClient] } })));
  afterAll(() => running?.stop());

  async function newUser(username: string, password: string, passwordChangeRequired = false) {
    const user = await createLocalDirectory({ store: running.admit.store, siteId: SITE }).addUser({
      username,
      password,
      email: `${username}@example.com`,
      name: username,
    });
    const accounts = createAccountService({ store: running.admit.store });
    const account = await accounts.linkOrCreate(SITE, 'local', { externalId: user.id, username, email: `${username}@example.com`, groups: [] });
    if (passwordChangeRequired) await accounts.save({ ...account, passwordChangeRequired: true });
  }

  const refusals = [
    [{ oldPassword: '', newPassword: 'Ned#Changed2026!', confirmPassword: 'Ned#Changed2026!' }, /Fill in every field/],
    [{ newPassword: 'Ned#Changed2026!', confirmPassword: 'Ned#Changed2026!' }, /Fill in every field/],
    [{ oldPassword: 'Ned#Initial2026', newPassword: 'x'.repeat(1025), confirmPassword: 'x' }, /One of the values is too long/],
  ] as const;

  it("the portal's page answers 400 with the field's message, and the old password still works", async () => {
    await newUser('ned', 'Ned#Initial2026');
    const browser = new FormBrowser();
    let { response, url } = await browser.follow(`${running.issuer}/portal/password`);
    const login = await response.text();
    ({ response, url } = await browser.follow(new URL(formAction(login, '/login'), url), undefined, {
      form: { _csrf: inputValue(login, '_csrf'), username: 'ned', password: 'Ned#Initial2026', site: SITE },
    }));
    const page = await response.text();
    assert.equal(url.pathname, '/portal/password', page.slice(0, 300));
    for (const [fields, message] of refusals) {
      const refused = await browser.request(`${running.issuer}/portal/password`, { form: { _csrf: inputValue(page, '_csrf'), ...fields } });
      assert.equal(refused.status, 400);
      const html = await refused.text();
      assert.match(html, message);
      assert.match(html, /Change Password/);
    }
    const verified = await createLocalDirectory({ store: running.admit.store, siteId: SITE }).connector.verifyPassword({
      username: 'ned',
      password: 'Ned#Initial2026',
    });
    assert.equal(verified.status, 'ok', 'nothing was written');
  });

  it("the sign-in's step redirects to its page, which answers 400 with the message once", async () => {
    await newUser('nell', 'Nell#Initial2026', true);
    const browser = new FormBrowser();
    const signIn = await signInAtRp(running, browser, { username: 'nell', password: 'Nell#Initial2026', site: SITE });
    assert.match(signIn.html, /Change Password/, signIn.html.slice(0, 300));
    const action = new URL(formAction(signIn.html, '/password'), signIn.url);
    for (const [fields, message] of refusals) {
      const posted = await browser.request(action, { form: { _csrf: inputValue(signIn.html, '_csrf'), ...fields } });
      assert.equal(posted.status, 303);
      assert.equal(new URL(posted.headers.get('location') ?? '', action).pathname, action.pathname);
      const shown = await browser.request(action);
      assert.equal(shown.status, 400);
      assert.match(await shown.text(), message);
      const again = await browser.request(action);
      assert.equal(again.status, 200, 'a reload shows the form again');
      assert.doesNotMatch(await again.text(), message);
    }
  });
});
