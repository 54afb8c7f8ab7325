import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ACR_MFA } from '../../src/oidc/provider.ts';
import { buttonValue, FlowDriver } from './flow-driver.ts';
import { type MfaWorld, PASSWORD, RP_SECRET, startMfaWorld } from './mfa-world.ts';

const TRUSTY = {
  id: 'TRUSTY',
  displayName: 'Trusty',
  directory: { kind: 'local' },
  signIn: { changePasswordAtFirstSignIn: false },
  mfa: { required: true, trustedBrowserCountsAsMfa: true },
};

/**
 * The MFA step as a gate, driven with plain form posts: no client
 * parameter, second client, stale session or direct post gets a token
 * without the second factor; amr and acr say what was done; trusted
 * browsers and step-up.
 */
describe('MFA gates the sign-in', () => {
  let world: MfaWorld;
  let phones = 0;

  beforeAll(async () => {
    world = await startMfaWorld({ sites: [TRUSTY] });
  });
  afterAll(async () => world?.stop());

  const driver = (clientId = 'rp') => new FlowDriver(world.running, clientId, RP_SECRET);
  const accountIdOf = (username: string, site = 'DEMO') => world.accountIdOf(username, site);

  /** A new user enrolled with a mobile phone verified by text, ending back at the application. */
  async function enrolled(username: string, options: { trust?: boolean; site?: string; d?: FlowDriver } = {}) {
    await world.addUser(username, options.site);
    const d = options.d ?? driver();
    await d.authorize();
    const number = `+1201555${String(1000 + (phones += 1))}`;
    const trust: Record<string, string> = options.trust === false ? {} : { trust: 'on' };
    assert.match((await d.signIn(username, PASSWORD, options.site)).url.pathname, /\/mfa\/start$/);
    await d.submit('/mfa/start', { trustShown: '1', ...trust });
    await d.submit('/mfa/device', { type: 'mobile' });
    await d.submit('/mfa/phone', { country: 'US', number });
    await d.submit('/mfa/phone', { country: 'US', number, confirmed: 'on' });
    await d.submit('/mfa/verify-phone', { action: 'sms' });
    await d.submit('/mfa/verify-phone', { action: 'verify', code: world.codeFor(number) });
    await d.submit('/mfa/phone-type', { platform: 'other' });
    await d.submit('/mfa/recovery', { action: 'skip' });
    const choose = await d.submit('/mfa/settings', { action: 'continue', trustShown: '1', ...trust });
    await d.submit('/mfa/choose', { method: buttonValue(choose.html, 'Text me'), trustShown: '1', ...trust });
    const done = await d.submit('/mfa/code', { action: 'verify', code: world.codeFor(number), trustShown: '1', ...trust });
    assert.ok(done.callback, `back at the application: ${done.url.pathname}`);
    return { d, number, accountId: await accountIdOf(username, options.site) };
  }

  it('keeps a user without a factor from a token: prompt=none, a second client, direct posts, the resume URL', async () => {
    await world.addUser('gina');
    const d = driver();
    await d.authorize();
    const start = await d.signIn('gina', PASSWORD);
    assert.match(start.url.pathname, /\/mfa\/start$/);
    const uid = /\/interaction\/([^/]+)\//.exec(start.url.pathname)![1]!;

    for (const [path, form] of [
      ['mfa/settings', { action: 'continue' }],
      ['mfa/choose', { method: 'recovery' }],
      ['mfa/code', { action: 'verify', code: '123456' }],
      ['mfa/verify-phone', { action: 'verify', code: '123456' }],
      ['mfa/activate', { code: '123456' }],
      ['mfa/key', { credential: '{}' }],
    ] as const) {
      // Out of turn: sent back to the current page (post/redirect/get), nothing done.
      const answer = await d.postTo(path, form);
      assert.equal(answer.status, 200, `${path}: ${answer.html.slice(0, 200)}`);
      assert.match(answer.url.pathname, /\/mfa\/start$/, path);
    }
    assert.equal((await world.running.admit.mfa.devices.list(await accountIdOf('gina'))).length, 0, 'no device was added');
    assert.equal((await d.postTo('consent', {})).status, 400);
    d.page = start;
    const resumed = await d.get(`/auth/${uid}`);
    assert.ok(!resumed.callback?.searchParams.has('code'), 'resuming the authorization gives no code');

    const silent = await d.authorize({ prompt: 'none' });
    assert.equal(silent.callback?.searchParams.get('error'), 'login_required');
    const other = new FlowDriver(world.running, 'rp2', RP_SECRET);
    Object.assign(other, { browser: d.browser });
    const second = await other.authorize();
    assert.match(second.html, /<h1>Sign in<\/h1>/, 'a second client asks to sign in');
    const secondSilent = await other.authorize({ prompt: 'none' });
    assert.equal(secondSilent.callback?.searchParams.get('error'), 'login_required');
  });

  it('refuses forged and malformed posts without changing anything', async () => {
    await world.addUser('hank');
    const d = driver();
    await d.authorize();
    await d.signIn('hank', PASSWORD);
    assert.equal((await d.submit('/mfa/start', {}, { csrf: 'forged' })).status, 403);
    await d.get(d.page.url);
    const start = await d.get(new URL(d.page.url.pathname.replace(/[^/]+$/, ''), world.running.issuer));
    assert.match(start.url.pathname, /\/mfa\/start$/, 'still at the start');
    await d.submit('/mfa/start');
    assert.equal((await d.submit('/mfa/device', { type: 'satellite' })).status, 400);
    await d.submit('/mfa/device', { type: 'mobile' });
    for (const number of ['<script>alert(1)</script>', '+1 201 234 5678; DROP TABLE', '1'.repeat(200), '(000) 000-0000']) {
      const answer = await d.submit('/mfa/phone', { country: 'US', number });
      assert.equal(answer.status, 400, number);
      assert.ok(!answer.html.includes('<script>alert'), 'input is escaped');
    }
    assert.equal((await d.submit('/mfa/phone', { country: 'KP', number: '191234567' })).status, 400);
    await d.submit('/mfa/phone', { country: 'US', number: '2015550177' });
    await d.submit('/mfa/phone', { country: 'US', number: '2015550177', confirmed: 'on' });
    const sent = world.sms.sent.length;
    const letters = await d.submit('/mfa/verify-phone', { action: 'verify', code: 'abcdef' });
    assert.equal(letters.status, 400);
    assert.match(letters.html, /Enter the 6-digit code/);
    assert.equal(world.sms.sent.length, sent, 'nothing sent');

    const intruder = driver();
    await intruder.authorize();
    intruder.page = { ...d.page };
    const foreign = await intruder.submit('/mfa/verify-phone', { action: 'sms' });
    // The intruder's browser holds its own interaction: the sequencer sends it to that one's current step, the sign-in form.
    assert.match(foreign.html, /<h1>Sign in<\/h1>/, `another browser cannot drive this sign-in (${foreign.status})`);
    assert.equal(world.sms.sent.length, sent, 'nothing sent for the intruder');
  });

  it('says in amr and acr what was done: text, call, app, recovery code', async () => {
    const { d, number } = await enrolled('ivy', { trust: false });
    let claims = await d.tokens();
    assert.deepEqual(claims.amr, ['pwd', 'sms', 'mfa']);
    assert.equal(claims.acr, ACR_MFA);

    await d.signOut();
    await d.authorize();
    const choose = await d.signIn('ivy', PASSWORD);
    assert.match(choose.url.pathname, /\/mfa\/choose$/, 'not trusted: asked again');
    await d.submit('/mfa/choose', { method: buttonValue(choose.html, 'Call me') });
    await d.submit('/mfa/code', { action: 'verify', code: world.codeFor(number) });
    claims = await d.tokens();
    assert.deepEqual(claims.amr, ['pwd', 'tel', 'mfa']);
  });

  it('trusts the browser: no second factor, amr without mfa; step-up with acr_values asks again', async () => {
    const { d } = await enrolled('jack', { trust: true });
    const first = await d.tokens();
    assert.deepEqual(first.amr, ['pwd', 'sms', 'mfa']);
    await d.signOut();
    assert.ok(d.browser.cookie(world.running.issuer, 'admit.trust'), 'the trust cookie stays after sign-out');

    await d.authorize();
    const trusted = await d.signIn('jack', PASSWORD);
    assert.ok(trusted.callback, 'a trusted browser skips the second factor');
    const claims = await d.tokens();
    assert.deepEqual(claims.amr, ['pwd'], 'only the password was used: mfa is not claimed');
    assert.equal(claims.acr, 'urn:admit:acr:pwd');

    const silentStepUp = await d.authorize({ prompt: 'none', acr_values: ACR_MFA });
    assert.equal(silentStepUp.callback?.searchParams.get('error'), 'login_required', 'the session cannot claim MFA');
    await d.authorize({ acr_values: ACR_MFA, max_age: '0' });
    const stepUp = await d.signIn('jack', PASSWORD);
    assert.match(stepUp.url.pathname, /\/mfa\/choose$/, 'the application asked for MFA: asked even on a trusted browser');
    await d.submit('/mfa/choose', { method: buttonValue(stepUp.html, 'Text me') });
    const number = world.sms.last()!.to;
    await d.submit('/mfa/code', { action: 'verify', code: world.codeFor(number) });
    const upgraded = await d.tokens();
    assert.equal(upgraded.acr, ACR_MFA);
    assert.deepEqual(upgraded.amr, ['pwd', 'sms', 'mfa']);
  });

  it('a trusted browser may count as MFA where the site says so', async () => {
    const { d } = await enrolled('kim', { trust: true, site: 'TRUSTY' });
    await d.signOut();
    await d.authorize();
    await d.signIn('kim', PASSWORD, 'TRUSTY');
    const claims = await d.tokens();
    assert.deepEqual(claims.amr, ['pwd', 'mfa']);
    assert.equal(claims.acr, ACR_MFA);
  });

  it("does not let user A's trusted-browser cookie skip the factor for user B", async () => {
    const alice = await enrolled('lea', { trust: true });
    await alice.d.signOut();
    await enrolled('max', { trust: false });
    const d = alice.d;
    await d.authorize();
    const other = await d.signIn('max', PASSWORD);
    assert.match(other.url.pathname, /\/mfa\/choose$/, "user B is asked for the second factor on A's trusted browser");
  });

  it('revokes trusted browsers when the password changes, also for a live session', async () => {
    const { d, accountId } = await enrolled('ned', { trust: true });
    await d.signOut();
    await d.authorize();
    assert.ok((await d.signIn('ned', PASSWORD)).callback, 'trusted');
    assert.ok((await d.authorize({ prompt: 'none' })).callback?.searchParams.has('code'), 'the session works');

    await world.running.admit.passwords.recordChange(accountId, 'New#Passw0rd-2026');
    const silent = await d.authorize({ prompt: 'none' });
    assert.equal(silent.callback?.searchParams.get('error'), 'login_required', 'the session relied on the revoked trust');
    await d.authorize();
    assert.match((await d.signIn('ned', PASSWORD)).url.pathname, /\/mfa\/choose$/);
  });

  it('after an MFA reset, an existing session must enroll again', async () => {
    const { d, accountId } = await enrolled('ola', { trust: true });
    const other = new FlowDriver(world.running, 'rp2', RP_SECRET);
    Object.assign(other, { browser: d.browser });
    assert.ok((await other.authorize({ prompt: 'none' })).callback?.searchParams.has('code'), 'single sign-on to a second client');

    await world.running.admit.mfa.resetMfa(undefined, accountId);
    assert.equal((await other.authorize({ prompt: 'none' })).callback?.searchParams.get('error'), 'login_required');
    await d.authorize();
    const again = await d.signIn('ola', PASSWORD);
    assert.match(again.url.pathname, /\/mfa\/start$/, 'enrollment again; the trusted browser was revoked too');
  });
});
