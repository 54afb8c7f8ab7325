// The invitation link's pages over HTTP, in process: a link that is not one,
// one used up or expired, a site whose directory admit does not manage (the
// invitee signs in there instead), and every refusal of "Set up your sign-in"
// (which keeps the link usable), up to the per-IP limit.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Invitation, invitationKey } from '../../src/services/invitations/invitation-model.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';

const sites = [
  { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, signUp: { mode: 'invitation' } },
  {
    id: 'CORP',
    displayName: 'Corp',
    directory: { kind: 'entra', tenant: '6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', clientId: 'admit', clientSecret: 'corp-secret' },
    signUp: { mode: 'invitation' },
  },
];
const admin = { id: 'admin-1', label: 'Gina Admin' };

describe('invitation pages', () => {
  let running: RunningAdmit;
  const url = (path: string) => `${running.issuer}${path}`;

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
  });
  afterAll(async () => {
    await running?.stop();
  });

  /** An invitation and its link's token, read from its queued email. */
  async function invite(siteId: string, email: string): Promise<{ invitation: Invitation; token: string }> {
    const outcome = await running.admit.approval.invitations.invite({ siteId, email, name: 'Ivy', role: 'user', groups: [] }, admin);
    assert.equal(outcome.status, 'ok');
    const invitation = (outcome as { invitation: Invitation }).invitation;
    const message = await running.admit.outbox.get(invitation.messageId!);
    const { data } = running.admit.outbox.open(message!) as { data: { link: string } };
    return { invitation, token: new URL(data.link).searchParams.get('token')! };
  }

  /** The landing page, then "Accept": the set-up page of a local site's invitation. */
  async function createPage(browser: FormBrowser, token: string): Promise<string> {
    const landing = await (await browser.request(url(`/invite?token=${token}`))).text();
    const accepted = await browser.request(url('/invite/accept'), { form: { _csrf: inputValue(landing, '_csrf'), token } });
    assert.equal(accepted.status, 200);
    return accepted.text();
  }

  it('answers a missing, malformed or unknown link as not valid (404)', async () => {
    for (const query of ['', '?token=', '?token=short', `?token=${'A'.repeat(43)}`, '?token=a&token=b']) {
      const response = await fetch(url(`/invite${query}`));
      assert.equal(response.status, 404, query);
      assert.match(await response.text(), /invitation link is not valid/);
    }
  });

  it('answers an expired link with 410, on the page and on its buttons', async () => {
    const { invitation, token } = await invite('DEMO', 'late@example.com');
    const browser = new FormBrowser();
    const landing = await (await browser.request(url(`/invite?token=${token}`))).text();
    const raw = JSON.parse((await running.admit.store.get(invitationKey(invitation.id)))!) as Invitation;
    await running.admit.store.set(invitationKey(invitation.id), JSON.stringify({ ...raw, expiresAt: '2020-01-01T00:00:00.000Z' }));
    const page = await browser.request(url(`/invite?token=${token}`));
    assert.equal(page.status, 410);
    assert.match(await page.text(), /invitation has expired/);
    for (const path of ['/invite/accept', '/invite/create']) {
      const response = await browser.request(url(path), {
        form: { _csrf: inputValue(landing, '_csrf'), token, username: 'late', newPassword: 'Late#Garden2026', confirmPassword: 'Late#Garden2026' },
      });
      assert.equal(response.status, 410, path);
    }
  });

  it('an invitation to a site with Microsoft sign-in says so and sends the invitee to sign in there', async () => {
    const { token } = await invite('CORP', 'carl@corp.example');
    const browser = new FormBrowser();
    const landing = await (await browser.request(url(`/invite?token=${token}`))).text();
    assert.match(landing, /Next you sign in with your Microsoft account/);
    assert.match(landing, /Corp/);
    const accepted = await browser.request(url('/invite/accept'), { form: { _csrf: inputValue(landing, '_csrf'), token } });
    assert.equal(accepted.status, 303);
    assert.match(accepted.headers.get('location') ?? '', /\/auth\?.*prompt=login/);
    // No user name and password are set up for a directory admit does not manage.
    const create = await browser.request(url('/invite/create'), {
      form: { _csrf: inputValue(landing, '_csrf'), token, username: 'carl', newPassword: 'Carl#Garden2026', confirmPassword: 'Carl#Garden2026' },
    });
    assert.equal(create.status, 404);
    assert.equal((await running.admit.approval.invitations.check(token)).status, 'ok');
  });

  it("the done page refuses a callback that is not this browser's, and says an unfinished sign-in is not finished", async () => {
    const { token } = await invite('CORP', 'cora@corp.example');
    const browser = new FormBrowser();
    // No sign-in started in this browser.
    assert.equal((await browser.request(url('/invite/done?state=x&code=y'))).status, 400);
    const landing = await (await browser.request(url(`/invite?token=${token}`))).text();
    const accepted = await browser.request(url('/invite/accept'), { form: { _csrf: inputValue(landing, '_csrf'), token } });
    const state = new URL(accepted.headers.get('location')!, running.issuer).searchParams.get('state')!;
    assert.ok(state);
    const wrong = await browser.request(url('/invite/done?state=not-the-state&code=y'));
    assert.equal(wrong.status, 400);
    // The state cookie is cleared by any callback: start again for each of the next two.
    const again = async () => {
      const page = await (await browser.request(url(`/invite?token=${token}`))).text();
      const response = await browser.request(url('/invite/accept'), { form: { _csrf: inputValue(page, '_csrf'), token } });
      return new URL(response.headers.get('location')!, running.issuer).searchParams.get('state')!;
    };
    const noCode = await browser.request(url(`/invite/done?state=${await again()}`));
    assert.equal(noCode.status, 400);
    const cancelled = await browser.request(url(`/invite/done?state=${await again()}&error=access_denied`));
    assert.equal(cancelled.status, 200);
    assert.match(await cancelled.text(), /Sign-in not finished/);
    assert.equal((await running.admit.approval.invitations.check(token)).status, 'ok');
  });

  it('refuses a bad set-up on its page, keeping the typed user name, and leaves the link usable', async () => {
    await running.admit.approval.invitations.invite({ siteId: 'DEMO', email: 'first@example.com', role: 'user', groups: [] }, admin);
    const { token } = await invite('DEMO', 'setup@example.com');
    const browser = new FormBrowser();
    const page = await createPage(browser, token);
    assert.match(page, /Set up your sign-in/);
    assert.equal(inputValue(page, 'username'), 'setup@example.com');
    const csrf = inputValue(page, '_csrf');
    // Another invitee took "taken" first.
    const other = await invite('DEMO', 'other@example.com');
    const otherBrowser = new FormBrowser();
    const otherPage = await createPage(otherBrowser, other.token);
    const made = await otherBrowser.request(url('/invite/create'), {
      form: {
        _csrf: inputValue(otherPage, '_csrf'),
        token: other.token,
        username: 'taken',
        newPassword: 'Other#Garden2026',
        confirmPassword: 'Other#Garden2026',
      },
    });
    assert.equal(made.status, 303);

    const cases: [Record<string, string>, number, RegExp][] = [
      [{ username: '', newPassword: 'Setup#Garden2026', confirmPassword: 'Setup#Garden2026' }, 400, /Fill in every field/],
      [{ username: ' setty ', newPassword: 'Setup#Garden2026', confirmPassword: 'Setup#Garden2027' }, 400, /do not match/],
      [{ username: 'setty', newPassword: 'short', confirmPassword: 'short' }, 400, /does not meet the rules/],
      [{ username: 'TAKEN', newPassword: 'Setup#Garden2026', confirmPassword: 'Setup#Garden2026' }, 409, /user name is taken/],
    ];
    for (const [fields, status, message] of cases) {
      const response = await browser.request(url('/invite/create'), { form: { _csrf: csrf, token, ...fields } });
      assert.equal(response.status, status, JSON.stringify(fields));
      const html = await response.text();
      assert.match(html, message);
      if (fields.username) assert.equal(inputValue(html, 'username'), fields.username);
      assert.equal((await running.admit.approval.invitations.check(token)).status, 'ok');
    }
    const done = await browser.request(url('/invite/create'), {
      form: { _csrf: csrf, token, username: 'setty', newPassword: 'Setup#Garden2026', confirmPassword: 'Setup#Garden2026' },
    });
    assert.equal(done.status, 303);
    assert.equal((await running.admit.approval.invitations.check(token)).status, 'used');
  });

  it('stops set-up attempts from one address after its limit (429), with the link still usable', async () => {
    const { token } = await invite('DEMO', 'flood@example.com');
    const browser = new FormBrowser();
    const page = await createPage(browser, token);
    let last: Response | undefined;
    for (let attempt = 0; attempt < 40; attempt += 1) {
      last = await browser.request(url('/invite/create'), {
        form: { _csrf: inputValue(page, '_csrf'), token, username: 'flood', newPassword: 'a', confirmPassword: 'b' },
      });
      if (last.status === 429) break;
      assert.equal(last.status, 400);
    }
    assert.equal(last?.status, 429);
    assert.match(await last!.text(), /Too many requests/);
    assert.equal((await running.admit.approval.invitations.check(token)).status, 'ok');
  });
});
