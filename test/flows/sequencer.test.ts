import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { adminAdd } from '../../src/cli/admin-role.ts';
import { createCommandContext } from '../../src/cli/context.ts';
import { userAdd } from '../../src/cli/user-add.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { buttonValue, FlowDriver } from '../mfa/flow-driver.ts';
import { type MfaWorld, PASSWORD, RP_SECRET, startMfaWorld } from '../mfa/mfa-world.ts';
import { TEST_SECRET } from '../support/admit-server.ts';

/** A site whose first sign-in ends with Change Password (seed step 14), after the MFA enrollment. */
const FIRST = { id: 'FIRST', displayName: 'First', directory: { kind: 'local' }, mfa: { required: true } };
const NEW_PASSWORD = 'Fresh#Route2026';

/**
 * The sign-in sequencer (src/flows/sequencer.ts): only the current step's
 * pages answer, every other step's URL redirects to it, every post answers
 * with a redirect, Cancel undoes what was not finished, and a first sign-in
 * is recorded state.
 */
describe('the sign-in sequencer', () => {
  let world: MfaWorld;
  let phones = 0;

  beforeAll(async () => {
    world = await startMfaWorld({ sites: [FIRST] });
  });
  afterAll(async () => world?.stop());

  const driver = () => new FlowDriver(world.running, 'rp', RP_SECRET);
  const store = () => world.running.admit.store;
  const accounts = () => createAccountService({ store: store() });
  const uidOf = (d: FlowDriver) => /\/interaction\/([^/]+)/.exec(d.page.url.pathname)![1]!;
  const accountIdOf = (username: string, site: string) => world.accountIdOf(username, site);
  const verifies = async (username: string, site: string, password: string) =>
    (await createLocalDirectory({ store: store(), siteId: site }).connector.verifyPassword({ username, password })).status === 'ok';

  /** Sends one request without following redirects and returns where it was sent. */
  async function raw(d: FlowDriver, method: 'GET' | 'POST', path: string, form: Record<string, string> = {}) {
    const url = new URL(`/interaction/${uidOf(d)}/${path}`, world.running.issuer);
    const response = await d.browser.request(url, method === 'POST' ? { method, form: { _csrf: d.csrf, ...form } } : { method });
    await response.body?.cancel();
    return { status: response.status, location: response.headers.get('location') ?? '' };
  }

  /** Every step URL but the current one, GET and POST, is sent (303) to the current step; nothing changes. */
  async function walkOutOfOrder(d: FlowDriver, current: string) {
    const uid = uidOf(d);
    const expected = current === '' ? `/interaction/${uid}` : `/interaction/${uid}/${current}`;
    const tries: [method: 'GET' | 'POST', path: string, form?: Record<string, string>][] = [
      ['POST', 'login', { username: 'someone', password: PASSWORD, site: 'FIRST' }],
      ['POST', 'federated', { site: 'FIRST' }],
      ['GET', 'approval'],
      ['GET', 'mfa'],
      ['GET', 'mfa/start'],
      ['POST', 'mfa/start'],
      ['GET', 'mfa/choose'],
      ['POST', 'mfa/settings', { action: 'continue' }],
      ['GET', 'password'],
      ['POST', 'password', { oldPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }],
    ];
    const currentStep = current.split('/')[0];
    for (const [method, path, form] of tries) {
      const step = path.split('/')[0] === 'federated' ? 'login' : path.split('/')[0];
      if (step === (currentStep || 'login')) continue;
      const answer = await raw(d, method, path, form);
      assert.equal(answer.status, 303, `${method} ${path} at ${current || 'the first factor'}`);
      assert.equal(answer.location, expected, `${method} ${path} at ${current || 'the first factor'}`);
    }
  }

  /** Enrolls a mobile phone ("Other" type: texts only) and skips the recovery codes, ending at My Settings & Devices. */
  async function enrollPhone(d: FlowDriver, options: { recovery?: 'skip' | 'create' } = {}) {
    const number = `+1201556${String(1000 + (phones += 1))}`;
    await d.submit('/mfa/start');
    await d.submit('/mfa/device', { type: 'mobile' });
    await d.submit('/mfa/phone', { country: 'US', number });
    await d.submit('/mfa/phone', { country: 'US', number, confirmed: 'on' });
    await d.submit('/mfa/verify-phone', { action: 'sms' });
    await d.submit('/mfa/verify-phone', { action: 'verify', code: world.codeFor(number) });
    await d.submit('/mfa/phone-type', { platform: 'other' });
    const page = await d.submit('/mfa/recovery', { action: options.recovery ?? 'skip' });
    return { number, page };
  }

  it('keeps Change Password after the second factor: an enrolled user with a pending change cannot replace the password with the password alone', async () => {
    const { accountId } = await world.enrolledUser('pat', { mobile: '+12015557001' });
    const account = (await accounts().find(accountId))!;
    await accounts().save({ ...account, passwordChangeRequired: true });

    const d = driver();
    await d.authorize();
    const choose = await d.signIn('pat', PASSWORD);
    assert.match(choose.url.pathname, /\/mfa\/choose$/, 'the second factor comes first');
    const post = await raw(d, 'POST', 'password', { oldPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    assert.equal(post.status, 303);
    assert.equal(post.location, `/interaction/${uidOf(d)}/mfa`);
    assert.equal((await raw(d, 'GET', 'password')).location, `/interaction/${uidOf(d)}/mfa`);
    assert.ok(await verifies('pat', 'DEMO', PASSWORD), 'the password is unchanged');
    assert.ok(!(await verifies('pat', 'DEMO', NEW_PASSWORD)));

    // Through the second factor, Change Password is the current step and works.
    await d.submit('/mfa/choose', { method: buttonValue(choose.html, 'Text me') });
    const change = await d.submit('/mfa/code', { action: 'verify', code: world.codeFor('+12015557001') });
    assert.match(change.url.pathname, /\/password$/);
    const done = await d.submit('/password', { oldPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    assert.ok(done.callback, `back at the application: ${done.url.pathname}`);
    assert.ok(await verifies('pat', 'DEMO', NEW_PASSWORD));
  });

  it('keeps Change Password after the enrollment at a first sign-in (MFA, then Change Password, as the seed orders them)', async () => {
    await world.addUser('quinn', 'FIRST');
    const d = driver();
    await d.authorize();
    const start = await d.signIn('quinn', PASSWORD, 'FIRST');
    assert.match(start.url.pathname, /\/mfa\/start$/);
    for (const method of ['GET', 'POST'] as const) {
      const answer = await raw(d, method, 'password', { oldPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      assert.equal(answer.location, `/interaction/${uidOf(d)}/mfa`, method);
    }
    assert.ok(await verifies('quinn', 'FIRST', PASSWORD), 'the password is unchanged');
  });

  it('walks every step URL out of order, GET and POST, at each point of a sign-in, and is sent to the current step', async () => {
    // At the first factor.
    await world.addUser('rita', 'FIRST');
    const d = driver();
    await d.authorize();
    await walkOutOfOrder(d, '');

    // The approval gate is a backstop step (admission refuses a waiting account at the first factor): see approval-gate.test.ts.
    // At the MFA step (the enrollment's start), and inside the wizard: another page of it.
    const start = await d.signIn('rita', PASSWORD, 'FIRST');
    assert.match(start.url.pathname, /\/mfa\/start$/);
    await walkOutOfOrder(d, 'mfa');
    assert.equal((await raw(d, 'GET', 'mfa/settings')).location, `/interaction/${uidOf(d)}/mfa/start`);
    assert.equal((await raw(d, 'POST', 'mfa/choose', { method: 'recovery' })).location, `/interaction/${uidOf(d)}/mfa/start`);

    // At Change Password, after the enrollment.
    const { number, page: settings } = await enrollPhone(d);
    assert.match(settings.url.pathname, /\/mfa\/settings$/);
    const choose = await d.submit('/mfa/settings', { action: 'continue' });
    await d.submit('/mfa/choose', { method: buttonValue(choose.html, 'Text me') });
    const change = await d.submit('/mfa/code', { action: 'verify', code: world.codeFor(number) });
    assert.match(change.url.pathname, /\/password$/);
    await walkOutOfOrder(d, 'password');
    assert.ok(await verifies('rita', 'FIRST', PASSWORD), 'nothing out of order changed the password');
    // The start page of the interaction (a reload of the first URL) resumes at the current step too.
    assert.equal((await d.get(`/interaction/${uidOf(d)}`)).url.pathname, `/interaction/${uidOf(d)}/password`);
  });

  it('answers a refused sign-in post with a redirect: the sign-in page shows the message and the status once, keeps the user name, and a reload shows the form again', async () => {
    await world.addUser('sid');
    const d = driver();
    await d.authorize();
    const refused = await raw(d, 'POST', 'login', { username: 'sid', password: 'Not-The-Password1', site: 'DEMO' });
    assert.equal(refused.status, 303);
    assert.equal(refused.location, `/interaction/${uidOf(d)}`);
    const shown = await d.get(refused.location);
    assert.equal(shown.status, 401);
    assert.match(shown.html, /role="alert"/);
    assert.match(shown.html, /value="sid"/, 'the user name is kept');
    assert.doesNotMatch(shown.html, /Not-The-Password1/, 'the password is not');
    const reloaded = await d.get(refused.location);
    assert.equal(reloaded.status, 200);
    assert.doesNotMatch(reloaded.html, /role="alert"/);
    assert.match((await d.signIn('sid', PASSWORD)).url.pathname, /\/mfa\/start$/, 'the right password still goes on');
  });

  it('answers every post with a redirect: a refused post shows its message once, a reload shows the page again', async () => {
    await world.addUser('tess');
    const d = driver();
    await d.authorize();
    await d.signIn('tess', PASSWORD);
    await d.submit('/mfa/start');
    const refused = await raw(d, 'POST', 'mfa/device', { type: 'satellite' });
    assert.equal(refused.status, 303);
    assert.equal(refused.location, `/interaction/${uidOf(d)}/mfa/device`);
    const shown = await d.get(refused.location);
    assert.equal(shown.status, 400);
    assert.match(shown.html, /role="alert"|class="error/);
    const reloaded = await d.get(refused.location);
    assert.equal(reloaded.status, 200);
    assert.doesNotMatch(reloaded.html, /role="alert"/);

    // A refused phone number comes back in its field.
    await d.submit('/mfa/device', { type: 'mobile' });
    const wrong = await d.submit('/mfa/phone', { country: 'US', number: '12' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.html, /value="12"/);

    // The password step too.
    await world.addUser('uma', 'FIRST');
    const e = driver();
    await e.authorize();
    await e.signIn('uma', PASSWORD, 'FIRST');
    const { number } = await enrollPhone(e);
    const choose = await e.submit('/mfa/settings', { action: 'continue' });
    await e.submit('/mfa/choose', { method: buttonValue(choose.html, 'Text me') });
    await e.submit('/mfa/code', { action: 'verify', code: world.codeFor(number) });
    const weak = await raw(e, 'POST', 'password', { oldPassword: PASSWORD, newPassword: 'short', confirmPassword: 'short' });
    assert.equal(weak.status, 303);
    const weakPage = await e.get(weak.location);
    assert.equal(weakPage.status, 400);
    assert.match(weakPage.html, /Minimum length/);
    assert.equal((await e.get(weak.location)).status, 200, 'a reload shows the form again');
  });

  it('shows the same recovery codes on a reload, then My Settings & Devices once they are saved', async () => {
    await world.addUser('vera');
    const d = driver();
    await d.authorize();
    await d.signIn('vera', PASSWORD);
    const { page } = await enrollPhone(d, { recovery: 'create' });
    assert.match(page.url.pathname, /\/mfa\/recovery-codes$/);
    const codes = [...page.html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((match) => match[1]);
    assert.equal(codes.length, 10);
    const again = await d.get(page.url);
    assert.equal(again.status, 200);
    assert.deepEqual(
      [...again.html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((match) => match[1]),
      codes,
    );
    const settings = await d.submit('/mfa/recovery-codes', { action: 'saved' });
    assert.match(settings.url.pathname, /\/mfa\/settings$/);
    const gone = await d.get(page.url);
    assert.match(gone.url.pathname, /\/mfa\/settings$/, 'the codes are not shown again');
    assert.doesNotMatch(gone.html, new RegExp(codes[0]!));
  });

  it('shows the login prompt after My Settings & Devices until a factor was proved at it', async () => {
    await world.addUser('wes');
    const d = driver();
    await d.authorize();
    await d.signIn('wes', PASSWORD);
    const { number } = await enrollPhone(d);
    const choose = await d.submit('/mfa/settings', { action: 'continue' });
    assert.match(choose.url.pathname, /\/mfa\/choose$/);
    // "My Settings & Devices" from the login prompt, then "Continue to Login": the prompt again, not the application.
    const settings = await d.submit('/mfa/choose', { action: 'settings' });
    assert.match(settings.url.pathname, /\/mfa\/settings$/);
    const prompt = await d.submit('/mfa/settings', { action: 'continue' });
    assert.match(prompt.url.pathname, /\/mfa\/choose$/, 'the Choose step is shown: no factor was proved at it yet');
    await d.submit('/mfa/choose', { method: buttonValue(prompt.html, 'Text me') });
    const done = await d.submit('/mfa/code', { action: 'verify', code: world.codeFor(number) });
    assert.ok(done.callback);
  });

  it('Cancel ends the sign-in for the application and takes back a phone whose setup did not finish', async () => {
    await world.addUser('xena');
    const d = driver();
    await d.authorize();
    await d.signIn('xena', PASSWORD);
    const number = '+12015558100';
    await d.submit('/mfa/start');
    await d.submit('/mfa/device', { type: 'mobile' });
    await d.submit('/mfa/phone', { country: 'US', number });
    await d.submit('/mfa/phone', { country: 'US', number, confirmed: 'on' });
    await d.submit('/mfa/verify-phone', { action: 'sms' });
    const phoneType = await d.submit('/mfa/verify-phone', { action: 'verify', code: world.codeFor(number) });
    assert.match(phoneType.html, /What type of phone is/);
    const accountId = await accountIdOf('xena', 'DEMO');
    assert.equal((await world.running.admit.mfa.devices.list(accountId)).length, 1, 'the phone is saved once verified');

    const cancelled = await d.submit('/abort');
    assert.equal(cancelled.callback?.searchParams.get('error'), 'access_denied');
    assert.equal((await world.running.admit.mfa.devices.list(accountId)).length, 0, 'Cancel took the unfinished phone back');

    // The next sign-in sets the device up from the start.
    const next = driver();
    await next.authorize();
    assert.match((await next.signIn('xena', PASSWORD)).url.pathname, /\/mfa\/start$/);
  });

  it('records the first sign-in: a user added with `admit user add`, then made an admin, still gets Change Password', async () => {
    const context = createCommandContext(world.running.config, store(), TEST_SECRET);
    await userAdd.run({ site: 'FIRST', username: 'yuri', password: PASSWORD, email: 'yuri@example.test' }, context);
    await adminAdd.run({ site: 'FIRST', username: 'yuri' }, context);
    const d = driver();
    await d.authorize();
    await d.signIn('yuri', PASSWORD, 'FIRST');
    const { number } = await enrollPhone(d);
    const choose = await d.submit('/mfa/settings', { action: 'continue' });
    await d.submit('/mfa/choose', { method: buttonValue(choose.html, 'Text me') });
    const change = await d.submit('/mfa/code', { action: 'verify', code: world.codeFor(number) });
    assert.match(change.url.pathname, /\/password$/, 'Change Password at the first sign-in');
    const done = await d.submit('/password', { oldPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    assert.ok(done.callback);
    const account = (await accounts().find(await accountIdOf('yuri', 'FIRST')))!;
    assert.ok(account.firstSignInAt, 'the first sign-in is recorded');

    // The second sign-in has no Change Password.
    const again = driver();
    await again.authorize();
    const prompt = await again.signIn('yuri', NEW_PASSWORD, 'FIRST');
    await again.submit('/mfa/choose', { method: buttonValue(prompt.html, 'Text me') });
    assert.ok((await again.submit('/mfa/code', { action: 'verify', code: world.codeFor(number) })).callback);
  });
});
