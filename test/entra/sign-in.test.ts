import assert from 'node:assert/strict';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { RunningAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { authorize, provision, RP_CALLBACK, resume, signIn, startEntraAdmit } from './entra-admit.ts';
import {
  CLIENT_ID,
  type EntraUser,
  entraDirectory,
  type FakeMicrosoft,
  FOREIGN_TENANT,
  fakeMicrosoft,
  LOGIN_HOST,
  microsoftKey,
  OTHER_TENANT,
  offline,
  TENANT,
} from './fake-microsoft.ts';

const roomy = { maxAttemptsPerIp: 100_000, changePasswordAtFirstSignIn: false };
const site = (id: string, directory: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  displayName: `${id[0]}${id.slice(1).toLowerCase()} Center`,
  directory,
  signIn: roomy,
  signUp: { mode: 'approval' },
  ...extra,
});

let counter = 0;
/** A fresh Entra user of the tenant (own oid), so tests do not share accounts. */
function user(overrides: Partial<EntraUser> = {}): EntraUser {
  counter += 1;
  const oid = `0000${String(counter).padStart(4, '0')}-aaaa-4bbb-8ccc-${String(counter).padStart(12, '0')}`;
  return { tid: TENANT, oid, email: `user${counter}@contoso.test`, name: `User ${counter}`, groups: ['g-partners', 'g-other'], amr: ['pwd'], ...overrides };
}

/**
 * Signing in to an Entra site through admit's pages: every outcome the seed
 * describes, the protocol attacks (wrong state, nonce, tenant, replay,
 * another browser, nOAuth), and Microsoft being slow or down. nock answers
 * for Microsoft; admit, its store and its pages are real.
 */
describe('Sign in with Microsoft (Entra sites) through admit', () => {
  let running: RunningAdmit;
  let accounts: Awaited<ReturnType<typeof startEntraAdmit>>['accounts'];
  let microsoft: FakeMicrosoft;
  let key: Awaited<ReturnType<typeof microsoftKey>>;

  beforeAll(async () => {
    offline();
    key = await microsoftKey();
    ({ running, accounts } = await startEntraAdmit([
      site('PARTNER', entraDirectory({ groups: { enabled: true, names: { 'g-partners': 'Partners' } } })),
      site('MULTI', entraDirectory({ tenant: 'organizations', allowedTenants: [TENANT, OTHER_TENANT], domains: ['fabrikam.test'] })),
      site('OPEN', entraDirectory({ domains: ['open.test'] }), { signUp: { mode: 'open' } }),
      site('INVITED', entraDirectory({ domains: [] }), { signUp: { mode: 'invitation' } }),
      site('TRUSTING', entraDirectory({ domains: [], trustUpstreamMfa: true }), { mfa: { required: true } }),
      site('STRICT', entraDirectory({ domains: [] }), { mfa: { required: true } }),
      site('LIMITED', entraDirectory({ domains: [] }), { signIn: { maxAttemptsPerIp: 1 } }),
      site('COLD', entraDirectory({ domains: [] }), { signUp: { mode: 'open' } }),
      { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: roomy },
    ]));
  });
  afterAll(async () => {
    await running?.stop();
    microsoft?.stop();
    nock.enableNetConnect();
  });
  beforeEach(async () => {
    microsoft?.stop();
    microsoft = await fakeMicrosoft(key);
  });

  /** Signs `who` in at Microsoft (nock) after pressing "Sign in with Microsoft" for `siteId`. */
  async function asUser(who: EntraUser | undefined, form: Record<string, string>, options: Parameters<typeof signIn>[2] = {}) {
    microsoft.state.nextUser = who;
    return signIn(running, form, options);
  }
  const text = async (attempt: { response: Response }) => attempt.response.text();

  it('signs a registered partner in: tid+oid is the account, name, email and groups flow into the claims, amr says federated', async () => {
    const alice = user({ name: 'Alice Partner' });
    const account = await provision(accounts, 'PARTNER', alice);
    const attempt = await asUser(alice, { site: 'PARTNER' });
    assert.ok(attempt.claims, `expected a code, ended at ${attempt.url.href} (${attempt.response.status})`);
    assert.equal(attempt.claims.sub, account.id);
    assert.equal(attempt.claims.tenant, 'PARTNER');
    assert.equal(attempt.claims.name, 'Alice Partner');
    assert.equal(attempt.claims.email, alice.email);
    assert.equal(attempt.claims.email_verified, false);
    assert.deepEqual(attempt.claims.groups, ['Partners', 'g-other']);
    assert.deepEqual(attempt.claims.amr, ['fed']);
    assert.equal(attempt.claims.acr, 'urn:admit:acr:pwd');
    assert.equal(microsoft.calls.token, 1);
  });

  it("keeps the account when the user's email changes in Entra, but never replaces an email proved in admit", async () => {
    const bob = user();
    const account = await provision(accounts, 'PARTNER', bob);
    const renamed = await asUser({ ...bob, email: 'bob.new@contoso.test' }, { site: 'PARTNER' });
    assert.equal(renamed.claims?.sub, account.id, 'same account after the email change');
    assert.equal(renamed.claims?.email, 'bob.new@contoso.test');
    // An email proved in admit (e.g. by an invitation link) stays.
    const current = (await accounts.find(account.id))!;
    await accounts.save({ ...current, email: 'bob.proved@contoso.test', emailVerified: true });
    const again = await asUser({ ...bob, email: 'bob.other@contoso.test' }, { site: 'PARTNER' });
    assert.equal(again.claims?.sub, account.id);
    assert.equal(again.claims?.email, 'bob.proved@contoso.test');
    assert.equal(again.claims?.email_verified, true);
  });

  it("nOAuth: another tenant's user carrying the victim's email never reaches the victim's account", async () => {
    const victim = user({ email: 'victim@fabrikam.test' });
    const victimAccount = await provision(accounts, 'MULTI', victim);
    // An allowed tenant whose admin set a user's (unverified) email to the victim's.
    const attacker = user({ tid: OTHER_TENANT, email: 'victim@fabrikam.test', preferred_username: 'victim@fabrikam.test' });
    const attempt = await asUser(attacker, { site: 'MULTI' });
    assert.equal(attempt.claims, undefined);
    assert.equal(attempt.response.status, 403);
    assert.match(await text(attempt), /Selected user account does not exist in tenant/);
    assert.equal(await accounts.findLinked('MULTI', 'entra', `${OTHER_TENANT}:${attacker.oid}`), undefined, 'no account was made for the attacker');
    const after = await accounts.find(victimAccount.id);
    assert.equal(after?.externalId, `${TENANT}:${victim.oid}`);
    assert.equal(after?.lastSignInAt, victimAccount.lastSignInAt, "the victim's account was not touched");
    // The same email in a tenant that is not allowed is refused before any account is looked at.
    const foreign = await asUser(user({ tid: FOREIGN_TENANT, email: 'victim@fabrikam.test' }), { site: 'MULTI' });
    assert.equal(foreign.response.status, 400);
    assert.match(await text(foreign), /could not be accepted/);
  });

  it("no account and no invitation: the seed's message, the other-Microsoft-user note, and the way to sign up", async () => {
    const stranger = user({ email: 'stranger@contoso.test' });
    const attempt = await asUser(stranger, { site: 'PARTNER' });
    assert.equal(attempt.response.status, 403);
    const html = await text(attempt);
    assert.match(html, /Selected user account does not exist in tenant &#39;Partner Center&#39; and cannot access the application\./);
    assert.match(html, /stranger@contoso\.test/);
    assert.match(html, /may be signed in to Microsoft as another user/);
    assert.match(html, /href="\/register\?site=PARTNER"/);
    assert.equal(await accounts.findLinked('PARTNER', 'entra', `${TENANT}:${stranger.oid}`), undefined);
    // Where only invitations let people in, there is no sign-up link.
    const invitedOnly = await asUser(stranger, { site: 'INVITED' });
    assert.doesNotMatch(await text(invitedOnly), /\/register/);
  });

  it('an open site makes the account at the first sign-in', async () => {
    const newcomer = user();
    const attempt = await asUser(newcomer, { site: 'OPEN' });
    assert.ok(attempt.claims?.sub);
    assert.equal((await accounts.findLinked('OPEN', 'entra', `${TENANT}:${newcomer.oid}`))?.id, attempt.claims.sub);
  });

  it('a sign-up request still waiting: the waiting page with the date it was sent and "two business days"', async () => {
    const waiting = user();
    const account = await provision(accounts, 'PARTNER', waiting, 'pending_approval');
    const attempt = await asUser(waiting, { site: 'PARTNER' });
    assert.equal(attempt.response.status, 403);
    const html = await text(attempt);
    assert.match(html, /Waiting for approval/);
    const submitted = new Date(account.createdAt).toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
    assert.ok(html.includes(submitted), `submitted date ${submitted} shown`);
    assert.match(html, /typically processed within two business days/);
  });

  it('denied and disabled accounts get a clear refusal', async () => {
    const denied = user();
    await provision(accounts, 'PARTNER', denied, 'denied');
    const refused = await asUser(denied, { site: 'PARTNER' });
    assert.equal(refused.response.status, 403);
    assert.match(await text(refused), /Access denied[\s\S]*was denied/);
    const disabled = user();
    await provision(accounts, 'PARTNER', disabled, 'disabled');
    const off = await asUser(disabled, { site: 'PARTNER' });
    assert.match(await text(off), /Account disabled[\s\S]*This account is disabled/);
  });

  it('Microsoft slow: "try again", no account created, nothing half-written; trying again works', async () => {
    const slow = user();
    microsoft.state.tokenAnswer = () => ({ status: 200, body: {}, delayMs: 2500 });
    const attempt = await asUser(slow, { site: 'OPEN' });
    assert.equal(attempt.response.status, 503);
    const html = await text(attempt);
    assert.match(html, /Microsoft is not responding/);
    assert.match(html, /Nothing was changed/);
    assert.equal(await accounts.findLinked('OPEN', 'entra', `${TENANT}:${slow.oid}`), undefined);
    // The page's "Try again" starts a new round trip in the same interaction.
    microsoft.state.tokenAnswer = undefined;
    const retry = html.match(/<form method="post" action="([^"]+\/federated)">[\s\S]*?name="_csrf" value="([^"]+)"/);
    assert.ok(retry, 'a Try again form');
    const again = await attempt.browser.follow(new URL(retry[1]!, running.issuer), (location) => location.href.startsWith('http://127.0.0.1:9/'), {
      form: { _csrf: retry[2]!, site: 'OPEN' },
    });
    assert.ok(again.url.searchParams.get('code'), `signed in after trying again, ended at ${again.url.href}`);
  });

  it('Microsoft down (5xx, or discovery failing): "try again", no account created', async () => {
    const unlucky = user();
    microsoft.state.tokenAnswer = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });
    const failed = await asUser(unlucky, { site: 'OPEN' });
    assert.equal(failed.response.status, 503);
    assert.match(await text(failed), /Try again/);
    assert.equal(await accounts.findLinked('OPEN', 'entra', `${TENANT}:${unlucky.oid}`), undefined);
    // A site whose OpenID configuration cannot be read: the start itself says so.
    microsoft.stop();
    nock(LOGIN_HOST)
      .persist()
      .get(/openid-configuration$/)
      .reply(502, 'Bad Gateway');
    const cold = await asUser(unlucky, { site: 'COLD' });
    assert.equal(cold.response.status, 503);
    assert.match(await text(cold), /Microsoft is not responding/);
    nock.cleanAll();
  });

  it('a replayed callback (same code and state) is refused and changes nothing', async () => {
    const carol = user();
    await provision(accounts, 'PARTNER', carol);
    let callback: URL | undefined;
    const keep = (location: URL) => {
      callback = location;
      return true;
    };
    const stopped = await asUser(
      carol,
      { site: 'PARTNER' },
      { stopAt: (location) => location.pathname.endsWith('/callback') && location.origin === running.issuer && keep(location) },
    );
    assert.ok(callback);
    const first = await resume(running, stopped.browser, callback);
    assert.ok(first.url.searchParams.get('code'));
    const replay = await resume(running, stopped.browser, callback);
    assert.equal(replay.response.status, 400);
    assert.match(await replay.response.text(), /already finished, has expired, or was started in another browser/);
    assert.equal(microsoft.calls.token, 1, 'the replay never reached Microsoft');
  });

  it('a callback opened in another browser is refused (the round trip is bound to the browser that started it)', async () => {
    const dave = user();
    await provision(accounts, 'PARTNER', dave);
    let callback: URL | undefined;
    const keep = (location: URL) => {
      callback = location;
      return true;
    };
    await asUser(dave, { site: 'PARTNER' }, { stopAt: (location) => location.pathname.endsWith('/callback') && keep(location) });
    const other = await resume(running, new FormBrowser(), callback!);
    assert.equal(other.response.status, 400);
    assert.match(await other.response.text(), /started in another browser/);
    assert.equal(microsoft.calls.token, 0);
  });

  it("refuses a wrong state, and a code brought to another site's callback", async () => {
    const erin = user();
    await provision(accounts, 'PARTNER', erin);
    let callback: URL | undefined;
    const keep = (location: URL) => {
      callback = location;
      return true;
    };
    const stopped = await asUser(erin, { site: 'PARTNER' }, { stopAt: (location) => location.pathname.endsWith('/callback') && keep(location) });
    const forged = new URL(callback!);
    forged.searchParams.set('state', 'B'.repeat(43));
    assert.equal((await resume(running, stopped.browser, forged)).response.status, 400);
    const elsewhere = new URL(callback!.href.replace('/PARTNER/callback', '/MULTI/callback'));
    const wrongSite = await resume(running, stopped.browser, elsewhere);
    assert.equal(wrongSite.response.status, 400);
    // The state was burnt by the wrong site: the real callback no longer works either.
    assert.equal((await resume(running, stopped.browser, callback!)).response.status, 400);
    assert.equal(microsoft.calls.token, 0);
    assert.equal((await resume(running, stopped.browser, new URL('/federated/entra/NOPE/callback?state=x', running.issuer))).response.status, 404);
    // The callback's query is declared (route-input guard): an oversized value is a bad request, after the site check.
    const oversized = 'x'.repeat(5000);
    assert.equal(
      (await resume(running, stopped.browser, new URL(`/federated/entra/PARTNER/callback?state=${oversized}`, running.issuer))).response.status,
      400,
    );
    assert.equal((await resume(running, stopped.browser, new URL(`/federated/entra/NOPE/callback?state=${oversized}`, running.issuer))).response.status, 404);
  });

  it('refuses an ID token with a wrong nonce, an expired one, and one for another application', async () => {
    const frank = user();
    await provision(accounts, 'PARTNER', frank);
    const now = Math.floor(Date.now() / 1000);
    for (const tamper of [
      (claims: Record<string, unknown>) => ({ ...claims, nonce: 'replayed-from-another-sign-in' }),
      (claims: Record<string, unknown>) => ({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }),
      (claims: Record<string, unknown>) => ({ ...claims, aud: `not-${CLIENT_ID}` }),
    ]) {
      microsoft.state.tamper = tamper;
      const attempt = await asUser(frank, { site: 'PARTNER' });
      assert.equal(attempt.claims, undefined);
      assert.equal(attempt.response.status, 400);
      assert.match(await text(attempt), /could not be accepted/);
    }
  });

  it('the user backing out at Microsoft comes back to the sign-in page', async () => {
    const attempt = await asUser(undefined, { site: 'PARTNER' });
    assert.equal(attempt.response.status, 200);
    assert.match(await text(attempt), /Sign-in with Microsoft was cancelled/);
  });

  it("home-realm discovery: a typed work email goes to its site's tenant, from either button, with the email as login hint", async () => {
    const grace = user({ email: 'grace@fabrikam.test' });
    await provision(accounts, 'MULTI', grace);
    // "Sign in with Microsoft" while "Log on to" still shows another site.
    const viaButton = await asUser(grace, { site: 'DEMO', username: 'grace@fabrikam.test' });
    assert.equal(viaButton.claims?.tenant, 'MULTI');
    // "Sign in" with the email and no password.
    const viaSignIn = await asUser(grace, { site: 'DEMO', username: 'grace@fabrikam.test', password: '' }, { button: 'login' });
    assert.equal(viaSignIn.claims?.tenant, 'MULTI');
    // The hint travels to Microsoft.
    let authorize: URL | undefined;
    await asUser(
      grace,
      { site: 'DEMO', username: 'grace@fabrikam.test' },
      {
        stopAt: (location) => {
          if (location.origin !== LOGIN_HOST) return false;
          authorize = location;
          return true;
        },
      },
    );
    assert.equal(authorize?.searchParams.get('login_hint'), 'grace@fabrikam.test');
    assert.equal(authorize?.pathname, '/organizations/oauth2/v2.0/authorize');
  });

  it('"Sign in" with an Entra site chosen goes to Microsoft and never checks a typed password', async () => {
    const heidi = user();
    await provision(accounts, 'PARTNER', heidi);
    const attempt = await asUser(heidi, { site: 'PARTNER', username: 'heidi', password: 'typed-by-habit' }, { button: 'login' });
    assert.equal(attempt.claims?.tenant, 'PARTNER');
  });

  it('asks which site when neither the choice nor the email names an Entra site', async () => {
    const attempt = await asUser(user(), { site: 'DEMO', username: 'someone@unknown.test' });
    assert.equal(attempt.response.status, 400);
    assert.match(await text(attempt), /Select your organisation&#39;s site/);
  });

  it("MFA: admit's own step still runs after Entra, unless the site trusts Entra's MFA and the token says mfa", async () => {
    const ivan = user({ amr: ['pwd', 'mfa'] });
    await provision(accounts, 'STRICT', ivan);
    const strict = await asUser(ivan, { site: 'STRICT' });
    assert.equal(strict.claims, undefined, "no token before admit's MFA");
    assert.match(strict.url.pathname, /\/mfa\//);
    await provision(accounts, 'TRUSTING', ivan);
    const trusting = await asUser(ivan, { site: 'TRUSTING' });
    assert.ok(trusting.claims, `trusted upstream MFA: a code, ended at ${trusting.url.href}`);
    assert.deepEqual(trusting.claims.amr, ['fed', 'pwd', 'mfa']);
    assert.equal(trusting.claims.acr, 'urn:admit:acr:mfa');
    // The SSO session it leaves satisfies the MFA check: the next application gets a code without signing in again.
    const { url: again } = await authorize(running);
    const sso = await trusting.browser.follow(again, (location) => location.href.startsWith(RP_CALLBACK));
    assert.ok(sso.url.searchParams.get('code'), `SSO with trusted upstream MFA, ended at ${sso.url.href}`);
    // Entra's amr without mfa: admit asks.
    const judy = user({ amr: ['pwd'] });
    await provision(accounts, 'TRUSTING', judy);
    const untrusted = await asUser(judy, { site: 'TRUSTING' });
    assert.equal(untrusted.claims, undefined);
    assert.match(untrusted.url.pathname, /\/mfa\//);
  });

  it('abuse: the start needs the CSRF token, is rate limited, and refuses oversized input', async () => {
    const browser = new FormBrowser();
    const { url } = await authorize(running);
    const page = await browser.follow(url);
    const action = new URL(page.url.pathname.replace(/\/?$/, '/federated'), running.issuer);
    await page.response.text();
    const noToken = await browser.request(action, { form: { site: 'PARTNER' } });
    assert.equal(noToken.status, 403);
    const limited = await signIn(running, { site: 'LIMITED' });
    assert.equal(limited.response.status, 429);
    const huge = await browser.request(new URL(`/federated/entra/PARTNER/callback?state=${'x'.repeat(5000)}`, running.issuer));
    assert.equal(huge.status, 400);
  });
});
