import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createAuditLog } from '../../src/services/audit/audit-log.ts';
import { discover, RP_SECRET, signInThroughBrowser } from '../oidc/relying-party.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { filterQuery, PATCH_OP, scimClient, tokenFor } from './scim-client.ts';

/**
 * Provisioning into a site of admit's own directory: the user is a local
 * directory user with an account; once they set a password they sign in.
 * Deprovisioning (active false, DELETE) disables the account and ends its
 * sessions and grants (the refresh token dies), as the console's Disable
 * does; provisioning it again (active true, or a new create) lets them in.
 */
describe('SCIM into a local-directory site: sign-in, deprovisioning ends the sessions, re-enabling', () => {
  let running: RunningAdmit;
  let scim: ReturnType<typeof scimClient>;
  const PASSWORD = 'Lena#Secret2026';

  beforeAll(async () => {
    running = await startAdmit({
      config: {
        sites: [
          { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, signUp: { mode: 'invitation' } },
        ],
        clients: [
          {
            client_id: 'rp',
            client_secret: RP_SECRET,
            first_party: true,
            redirect_uris: ['http://127.0.0.1:9/callback'],
            grant_types: ['authorization_code', 'refresh_token'],
          },
        ],
      },
    });
    scim = scimClient(running, 'DEMO', await tokenFor(running, 'DEMO'));
  });
  afterAll(async () => {
    await running?.stop();
  });

  async function signIn() {
    const config = await discover(running);
    const flow = await signInThroughBrowser(config, new FormBrowser(), { username: 'lena', password: PASSWORD, site: 'DEMO' });
    const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    return { config, tokens };
  }
  const refreshWorks = async (config: oidc.Configuration, refreshToken: string) =>
    oidc.refreshTokenGrant(config, refreshToken).then(
      () => true,
      () => false,
    );

  let id: string;
  it('a provisioned user is a local directory user and an account of the site; with a password set, they sign in', async () => {
    const created = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'lena',
      externalId: 'hr-4711',
      name: { givenName: 'Lena', familyName: 'Berg' },
      emails: [{ value: 'lena@partner.test', primary: true }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    id = created.body.id;
    const directory = createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' });
    const user = await directory.findUser('lena');
    assert.equal(user?.email, 'lena@partner.test');
    assert.equal(user?.name, 'Lena Berg');
    // The password is the person's: Reset Password sets it (here the directory's own reset, as the portal's recovery calls it).
    assert.equal((await directory.connector.resetPassword!({ username: 'lena', newPassword: PASSWORD })).status, 'ok');
    const { tokens } = await signIn();
    assert.equal(tokens.claims()?.sub, id);
    assert.equal((await scim('GET', `/Users${filterQuery('externalId eq "hr-4711"')}`)).body.Resources[0].id, id);
  });

  it('a name and an email SCIM changes are written to the local directory, so the next sign-in keeps them', async () => {
    const answer = await scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'Lena Berg-Olsen' },
        { op: 'replace', path: 'emails', value: [{ value: 'lena.olsen@partner.test', primary: true }] },
      ],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const user = await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).findUser('lena');
    assert.equal(user?.name, 'Lena Berg-Olsen');
    assert.equal(user?.email, 'lena.olsen@partner.test');
    await signIn();
    const account = await createAccountService({ store: running.admit.store }).find(id);
    assert.equal(account?.name, 'Lena Berg-Olsen', 'the sign-in refreshed the account from the directory, which holds the change');
    assert.equal(account?.email, 'lena.olsen@partner.test');
  });

  it('active "False" disables the account and ends its sessions: the refresh token dies, and the audit says how many ended', async () => {
    const { config, tokens } = await signIn();
    assert.ok(tokens.refresh_token);
    // Refresh tokens rotate: the one a refresh answers is the live one.
    const fresh = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    const answer = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    assert.equal(answer.status, 200);
    assert.equal((await createAccountService({ store: running.admit.store }).find(id))?.status, 'disabled');
    assert.equal(await refreshWorks(config, fresh.refresh_token!), false);
    const audit = createAuditLog({ logger: pino({ level: 'silent' }), store: running.admit.store });
    const today = new Date().toISOString().slice(0, 10);
    let ended = -1;
    for await (const event of audit.events({ scope: { allSites: true }, action: 'scim.user.disable', from: today, to: today }))
      ended = Number(event.detail?.sessionsEnded);
    assert.ok(ended >= 1, `sessions ended: ${ended}`);
    await assert.rejects(signIn(), 'a disabled account does not sign in');
  });

  it('active true lets them in again; their user name cannot change (the local directory signs them in by it)', async () => {
    assert.equal((await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] })).status, 200);
    const { tokens } = await signIn();
    assert.equal(tokens.claims()?.sub, id);
    const rename = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'lena.berg' }] });
    assert.equal(rename.status, 400);
    assert.equal(rename.body.scimType, 'mutability');
  });

  it('DELETE disables and signs out; a new create brings the same account back, and they sign in again', async () => {
    const { config, tokens } = await signIn();
    assert.equal((await scim('DELETE', `/Users/${id}`)).status, 204);
    assert.equal(await refreshWorks(config, tokens.refresh_token!), false);
    await assert.rejects(signIn());
    const again = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'Lena',
      emails: [{ value: 'lena@partner.test' }],
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.id, id);
    assert.equal((await signIn()).tokens.claims()?.sub, id);
  });
});
