import assert from 'node:assert/strict';
import nock from 'nock';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ACR_MFA, ACR_PASSWORD } from '../../src/oidc/provider.ts';
import { DUO_HOST, duoSettings, type FakeDuo, fakeDuo } from './fake-duo.ts';
import { buttonValue, FlowDriver } from './flow-driver.ts';
import { type MfaWorld, PASSWORD, RP_SECRET, startMfaWorld } from './mfa-world.ts';

const OPEN = {
  id: 'OPEN',
  displayName: 'Open Center',
  directory: { kind: 'local' },
  signIn: { changePasswordAtFirstSignIn: false },
  mfa: { required: true, duo: duoSettings({ failMode: 'open' }) },
};

/**
 * Duo's Universal Prompt as a site's second factor, driven with plain form
 * posts; nock answers for Duo (health check, prompt, token endpoint), admit
 * and its store are real.
 */
describe('Duo Universal Prompt as a second factor', () => {
  let world: MfaWorld;
  let duo: FakeDuo;
  let users = 0;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
    duo = fakeDuo();
    world = await startMfaWorld({ mfa: { duo: duoSettings(), maxFailedVerifications: 3 }, sites: [OPEN] });
  });
  afterAll(async () => {
    await world?.stop();
    duo?.stop();
    nock.enableNetConnect();
  });

  const driver = () => new FlowDriver(world.running, 'rp', RP_SECRET);
  async function signedIn(site = 'DEMO', extra: Record<string, string> = {}) {
    const username = `duo${(users += 1)}`;
    await world.addUser(username, site);
    const d = driver();
    await d.authorize(extra);
    const page = await d.signIn(username, PASSWORD, site);
    return { d, username, page };
  }
  /** Posts "Continue with Duo" and stops at Duo's prompt. */
  async function toDuo(d: FlowDriver): Promise<URL> {
    const target = new URL(`${d.page.url.pathname.replace(/\/mfa\/[^/]*$/, '')}/mfa/choose`, d.page.url);
    const { url } = await d.browser.follow(target, (location) => location.host === DUO_HOST, { form: { _csrf: d.csrf, method: 'duo', trustShown: '1' } });
    assert.equal(url.host, DUO_HOST, 'the browser is sent to Duo');
    return url;
  }

  it('signs a user without admit devices in through Duo: no enrollment wizard, amr and acr say a second factor was used', async () => {
    const { d, username, page } = await signedIn();
    assert.match(page.url.pathname, /\/mfa\/choose$/, 'Duo enrolls its users itself: no "Protect Your Account" wizard');
    assert.equal(buttonValue(page.html, 'Continue with Duo'), 'duo');
    const done = await d.submit('/mfa/choose', { method: 'duo', trustShown: '1' });
    assert.ok(done.callback, `ended at ${done.url.pathname}`);
    const claims = await d.tokens();
    assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'pwd', 'swk']);
    assert.equal(claims.acr, ACR_MFA);
    const prompt = duo.seen.prompts.at(-1)!;
    assert.equal(prompt.duo_uname, username);
    assert.match(String(prompt.redirect_uri), /\/interaction\/[^/]+\/mfa\/duo$/);
    assert.ok(String(prompt.state).length >= 22);
  });

  it('maps the factor Duo reports: a phone call is tel, a passcode otp, a security key hwk', async () => {
    for (const [factor, amr] of [
      ['phone_call', 'tel'],
      ['passcode', 'otp'],
      ['WebAuthn Security Key', 'hwk'],
      ['sms_passcode', 'sms'],
    ] as const) {
      const username = `duo${(users += 1)}`;
      await world.addUser(username);
      duo.verdict(username, { status: 'allow', factor });
      const d = driver();
      await d.authorize();
      await d.signIn(username, PASSWORD);
      await d.submit('/mfa/choose', { method: 'duo' });
      assert.ok(((await d.tokens()).amr as string[]).includes(amr), `${factor} → ${amr}`);
    }
  });

  it("shows Duo's denial, gives no token, and counts it against the failure limit", async () => {
    const { d, username } = await signedIn();
    duo.verdict(username, { status: 'deny', message: 'User mistake' });
    const denied = await d.submit('/mfa/choose', { method: 'duo' });
    assert.equal(denied.status, 400);
    assert.match(denied.url.pathname, /\/mfa\/duo$/);
    assert.match(denied.html, /Duo Security did not approve this sign-in/);
    assert.equal(denied.callback, undefined);
    // Two more denials through "Open Duo Security" reach the limit of 3; the next try is refused before Duo is asked.
    await d.submit('/mfa/duo', { action: 'retry' });
    await d.submit('/mfa/duo', { action: 'retry' });
    const tokensBefore = duo.seen.token;
    const refused = await d.submit('/mfa/duo', { action: 'retry' });
    assert.equal(refused.status, 429);
    assert.match(refused.html, /Too many failed verifications/);
    assert.equal(duo.seen.token, tokensBefore);
    const back = await d.submit('/mfa/duo', { action: 'back' });
    assert.match(back.url.pathname, /\/mfa\/choose$/);
  });

  it('accepts one return per redirect: a forged state and a replayed return are refused without asking Duo', async () => {
    const { d } = await signedIn();
    const prompt = await toDuo(d);
    const back = new URL(await duo.prompt(prompt));
    const forged = new URL(back);
    forged.searchParams.set('state', 'f'.repeat(36));
    const tokens = duo.seen.token;
    const refused = await d.get(forged);
    assert.equal(refused.status, 400);
    assert.match(refused.html, /could not be checked/);
    assert.equal(duo.seen.token, tokens, "a forged state never reaches Duo's token endpoint");
    // The state was forgotten on the first return: the genuine one, replayed after it, finds nothing to match.
    const replayed = await d.get(back);
    assert.equal(replayed.callback, undefined);
    assert.equal(duo.seen.token, tokens);
    // "Open Duo Security" starts a new round with a new state, which works.
    const done = await d.submit('/mfa/duo', { action: 'retry' });
    assert.ok(done.callback);
  });

  it("refuses a Duo answer about another user (a code from someone else's prompt)", async () => {
    const { d } = await signedIn();
    duo.answerAs('mallory');
    try {
      const page = await d.submit('/mfa/choose', { method: 'duo' });
      assert.equal(page.status, 400);
      assert.match(page.html, /could not be checked/);
    } finally {
      duo.answerAs(undefined);
    }
  });

  it('fails closed by default: Duo down shows a message and the user picks another of their methods', async () => {
    const user = await world.enrolledUser(`duo${(users += 1)}`, { mobile: '(201) 555-0177', app: true });
    const d = driver();
    await d.authorize();
    const choose = await d.signIn(`duo${users}`, PASSWORD);
    duo.setHealthy(false);
    try {
      const down = await d.submit('/mfa/choose', { method: 'duo' });
      assert.equal(down.status, 503);
      assert.match(down.html, /Duo Security cannot be reached right now/);
      assert.equal(down.callback, undefined);
      await d.submit('/mfa/choose', { method: buttonValue(choose.html, 'Passcode') });
      const done = await d.submit('/mfa/code', { action: 'verify', code: await world.appCode(user.secret!) });
      assert.ok(((await d.tokens()).amr as string[]).includes('otp'));
      assert.ok(done.callback);
    } finally {
      duo.setHealthy(true);
    }
  });

  it('fails open where the site says so: no second factor claimed, the session holds for the next request, and never for a step-up', async () => {
    duo.setHealthy(false);
    try {
      const { d } = await signedIn('OPEN');
      const passed = await d.submit('/mfa/choose', { method: 'duo' });
      assert.ok(passed.callback, 'the sign-in goes on without Duo');
      const claims = await d.tokens();
      assert.deepEqual(claims.amr, ['pwd']);
      assert.equal(claims.acr, ACR_PASSWORD);
      const silent = await d.authorize({ prompt: 'none' });
      assert.ok(silent.callback && !silent.callback.searchParams.has('error'), 'prompt=none right after is answered from the session');

      const stepUp = await signedIn('OPEN', { acr_values: ACR_MFA });
      const refused = await stepUp.d.submit('/mfa/choose', { method: 'duo' });
      assert.equal(refused.status, 503);
      assert.equal(refused.callback, undefined);
    } finally {
      duo.setHealthy(true);
    }
  });

  it('claims no second factor when Duo asked for none (a remembered device), and refuses that for a step-up', async () => {
    const plain = await signedIn();
    duo.verdict(plain.username, { status: 'allow', factor: 'remembered_device' });
    assert.ok((await plain.d.submit('/mfa/choose', { method: 'duo' })).callback);
    assert.deepEqual((await plain.d.tokens()).amr, ['pwd']);

    const stepUp = await signedIn('DEMO', { acr_values: ACR_MFA });
    duo.verdict(stepUp.username, { status: 'allow', factor: 'remembered_device' });
    const refused = await stepUp.d.submit('/mfa/choose', { method: 'duo' });
    assert.equal(refused.status, 400);
    assert.match(refused.html, /without asking for a second factor/);
  });

  it('keeps the Duo page to its turn: no exchange when the sign-in is not at Duo', async () => {
    const { d } = await signedIn();
    const tokens = duo.seen.token;
    const early = await d.postTo('mfa/duo', { action: 'retry' });
    assert.match(early.url.pathname, /\/mfa\/choose$/, 'sent back to the current page');
    const uid = /\/interaction\/([^/]+)/.exec(d.page.url.pathname)?.[1] ?? /\/interaction\/([^/"]+)/.exec(d.page.html)?.[1];
    const stray = await d.get(`/interaction/${uid}/mfa/duo?duo_code=abc&state=${'a'.repeat(36)}`);
    assert.match(stray.url.pathname, /\/mfa\/choose$/);
    assert.equal(duo.seen.token, tokens);
  });
});

describe('config/examples/duo-site.yaml', () => {
  it('is a valid site configuration', async () => {
    const { readFile } = await import('node:fs/promises');
    const { parse } = await import('yaml');
    const { siteSchema } = await import('../../src/connectors.ts');
    const example = parse(await readFile(new URL('../../config/examples/duo-site.yaml', import.meta.url), 'utf8')) as { sites: unknown[] };
    for (const site of example.sites) {
      const parsed = siteSchema.safeParse(site);
      assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
      assert.equal(parsed.data.mfa.duo?.failMode, 'closed');
    }
  });
});
