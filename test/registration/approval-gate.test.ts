import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createAuditQuery } from '../../src/services/audit/audit-query.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { RP_CALLBACK, RP_SECRET, rpClient, signInAtRp } from './support.ts';

const sites = [
  { id: 'OPEN', displayName: 'Open', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
  { id: 'ASK', displayName: 'Approval', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, signUp: { mode: 'approval' } },
  { id: 'INVITE', displayName: 'Invitation', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, signUp: { mode: 'invitation' } },
];
const password = 'Gate#Keeper2026';

describe('the approval gate: a pending or denied account gets no token by any path', () => {
  let running: RunningAdmit;

  beforeAll(async () => {
    running = await startAdmit({
      config: { sites, clients: [rpClient, { ...rpClient, client_id: 'other-app', client_secret: `${RP_SECRET}-other` }] },
    });
    for (const site of ['OPEN', 'ASK', 'INVITE'])
      await createLocalDirectory({ store: running.admit.store, siteId: site }).addUser({ username: 'pat', password });
  });
  afterAll(() => running?.stop());

  it('an unknown directory user gets an account only where sign-up is open', async () => {
    const open = await signInAtRp(running, new FormBrowser(), { username: 'pat', password, site: 'OPEN' });
    assert.ok(open.url.searchParams.get('code'));
    for (const site of ['ASK', 'INVITE']) {
      const refused = await signInAtRp(running, new FormBrowser(), { username: 'pat', password, site });
      assert.equal(refused.status, 403, site);
      assert.match(refused.html, /not registered for the selected site/);
      assert.equal((await createAccountService({ store: running.admit.store }).listBySite(site)).length, 0, `no account made in ${site}`);
    }
    const today = new Date().toISOString().slice(0, 10);
    const { events } = await createAuditQuery({ store: running.admit.store }).query(
      { scope: { allSites: true }, site: 'ASK', action: 'sign_in.admission', outcome: 'not_registered', from: today, to: today },
      10,
    );
    assert.ok(events.length > 0);
  });

  for (const status of ['pending_approval', 'denied', 'disabled'] as const) {
    it(`an account turned ${status}: no refresh, no userinfo, no silent sign-in, no sign-in at another client`, async () => {
      const browser = new FormBrowser();
      const signIn = await signInAtRp(running, browser, { username: 'pat', password, site: 'OPEN' });
      const tokens = await oidc.authorizationCodeGrant(signIn.config, signIn.url, { pkceCodeVerifier: signIn.verifier });
      assert.ok(tokens.refresh_token);
      const accounts = createAccountService({ store: running.admit.store });
      const [account] = await accounts.listBySite('OPEN');
      await accounts.setStatus(account!.id, status);
      try {
        await assert.rejects(oidc.refreshTokenGrant(signIn.config, tokens.refresh_token), (error: { error?: string }) => error.error === 'invalid_grant');
        await assert.rejects(oidc.fetchUserInfo(signIn.config, tokens.access_token, oidc.skipSubjectCheck));
        // The same browser (its SSO session) asks silently: login_required, not a code.
        const silent = await signInAtRp(running, browser, { username: 'pat', password, site: 'OPEN' }, { prompt: 'none' });
        assert.equal(silent.url.searchParams.get('error'), 'login_required');
        assert.equal(silent.url.searchParams.get('code'), null);
        // Another application in the same browser: the sign-in page, and a refusal.
        const config = await oidc.discovery(new URL(running.issuer), 'other-app', `${RP_SECRET}-other`, undefined, { execute: [oidc.allowInsecureRequests] });
        const authorize = oidc.buildAuthorizationUrl(config, {
          redirect_uri: RP_CALLBACK,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        });
        const { url } = await browser.follow(authorize, (location) => location.href.startsWith(RP_CALLBACK));
        assert.ok(url.pathname.startsWith('/interaction/'), `expected the sign-in page, got ${url.href}`);
        const again = await signInAtRp(running, browser, { username: 'pat', password, site: 'OPEN' });
        assert.equal(again.status, 403);
        assert.match(again.html, { pending_approval: /waiting for approval/, denied: /was denied/, disabled: /disabled/ }[status]);
      } finally {
        await accounts.setStatus(account!.id, 'active');
      }
    });
  }
});
