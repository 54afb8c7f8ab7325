import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parse } from 'yaml';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { startCallbackServer } from '../support/callback-server.ts';
import { atBothWidths, launchChromium, screenshot } from '../support/chromium.ts';
import { type RunningStandIn, type StandInUser, startEntraStandIn } from '../support/entra-stand-in.ts';
import { freePort } from '../support/free-port.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

const SECRET = 'entra-chromium-secret-0123456789-012345';
const SITE_ID = 'ITRONPARTNERS';

/** The example site from config/examples/entra-site.yaml, as an operator would copy it. */
function exampleSite(): { id: string; displayName: string; directory: Record<string, unknown> } & Record<string, unknown> {
  const example = parse(readFileSync(new URL('../../config/examples/entra-site.yaml', import.meta.url), 'utf8')) as { sites: { id: string }[] };
  const site = example.sites.find((candidate) => candidate.id === SITE_ID);
  assert.ok(site, `${SITE_ID} in the example`);
  return site as ReturnType<typeof exampleSite>;
}

/**
 * End to end in Chromium: the relying application sends the partner to
 * admit, who picks the example Entra site in "Log on to", clicks "Sign in
 * with Microsoft", signs in on the stand-in's Microsoft page (its own
 * process, an oidc-provider issuing Entra-shaped tokens), and comes back to
 * the application with a code. The site's settings are the example file's;
 * only `metadataUrl` points at the stand-in.
 */
describe('Sign in with Microsoft in Chromium, against the Entra stand-in', () => {
  let running: RunningAdmit;
  let standIn: RunningStandIn;
  let app: Awaited<ReturnType<typeof startCallbackServer>>;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let smtp: TestSmtpServer;
  const site = exampleSite();
  const tid = String(site.directory.tenant);
  const partner: StandInUser = {
    tid,
    oid: '5d7e9f10-2a3b-4c5d-8e6f-708192a3b4c5',
    email: 'pat@itron-partner.example',
    password: 'Stand-in-Passw0rd',
    name: 'Pat Partner',
    groups: ['9b2c4f1e-1111-4a2b-8c3d-000000000001'],
    amr: ['pwd', 'mfa'],
  };
  const stranger: StandInUser = {
    tid,
    oid: '6e8f0a21-3b4c-4d5e-9f70-8192a3b4c5d6',
    email: 'sam@itron-partner.example',
    password: 'Stand-in-Passw0rd',
    name: 'Sam Stranger',
  };
  const waiting: StandInUser = {
    tid,
    oid: '7f901b32-4c5d-4e6f-8a81-92a3b4c5d6e7',
    email: 'wendy@itron-partner.example',
    password: 'Stand-in-Passw0rd',
    name: 'Wendy Waiting',
  };

  beforeAll(async () => {
    app = await startCallbackServer();
    smtp = await startSmtpServer();
    const standInPort = await freePort();
    const nothingListens = await freePort();
    running = await startAdmit({
      config: {
        sites: [
          { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
          // The example's MFA requirement is admit's own step; this test is about the Microsoft part.
          {
            ...site,
            directory: { ...site.directory, metadataUrl: `http://127.0.0.1:${standInPort}/${tid}/v2.0/.well-known/openid-configuration` },
            mfa: { required: false },
          },
          // The same tenant, with Microsoft unreachable.
          {
            ...site,
            id: 'ITRONDOWN',
            displayName: 'Itron (Microsoft down)',
            directory: {
              ...site.directory,
              domains: [],
              metadataUrl: `http://127.0.0.1:${nothingListens}/${tid}/v2.0/.well-known/openid-configuration`,
              timeoutMs: 1000,
            },
          },
        ],
        clients: [{ client_id: 'rp', client_name: 'Customer Center', client_secret: SECRET, first_party: true, redirect_uris: [`${app.origin}/callback`] }],
        mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' },
      },
    });
    standIn = await startEntraStandIn({
      port: standInPort,
      tenants: [
        {
          tid,
          clients: [
            {
              clientId: String(site.directory.clientId),
              clientSecret: String(site.directory.clientSecret),
              redirectUris: [`${running.issuer}/federated/entra/${SITE_ID}/callback`],
            },
          ],
        },
      ],
      users: [partner, stranger, waiting],
    });
    // Pat was invited earlier (or approved): the account is linked to the Microsoft identity. Wendy asked and waits.
    const accounts = createAccountService({ store: running.admit.store });
    for (const [who, status] of [
      [partner, 'active'],
      [waiting, 'pending_approval'],
    ] as const) {
      await accounts.linkOrCreate(
        SITE_ID,
        'entra',
        { externalId: `${tid}:${who.oid}`, username: who.email, email: who.email, emailVerified: false, groups: [] },
        { status },
      );
    }
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await standIn?.stop();
    await running?.stop();
    await app?.close();
    await smtp?.stop();
  });

  async function authorizeUrl(): Promise<string> {
    const config = await oidc.discovery(new URL(running.issuer), 'rp', SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${app.origin}/callback`,
      scope: 'openid profile email groups tenant',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
    }).href;
  }

  it('signs a partner in: "Log on to" the Entra site, "Sign in with Microsoft", Microsoft\'s page, back at the application', async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl());
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'entra-sign-in-password-site');
    await page.getByLabel('Log on to').selectOption(SITE_ID);
    // The password fields give way to the Microsoft button (no JavaScript: CSS only).
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).waitFor();
    assert.equal(await page.getByLabel('Password').isVisible(), false);
    assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).isVisible(), false);
    await screenshot(page, 'entra-sign-in-entra-site');
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.getByLabel('Email, phone, or Skype').waitFor();
    assert.ok(page.url().startsWith(standIn.origin), page.url());
    await page.getByLabel('Email, phone, or Skype').fill(partner.email);
    await page.getByLabel('Password').fill(partner.password);
    await screenshot(page, 'entra-stand-in-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('code received').waitFor();
    await page.close();
  });

  it('a typed work email goes straight to Microsoft with the email filled in', async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl());
    await page.getByLabel('User Name').fill(partner.email);
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.getByLabel('Email, phone, or Skype').waitFor();
    assert.equal(await page.getByLabel('Email, phone, or Skype').inputValue(), partner.email);
    await page.close();
  });

  it('shows the seed\'s "does not exist in tenant" page to a Microsoft user with no account, who can then request access as that account', async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl());
    await page.getByLabel('Log on to').selectOption(SITE_ID);
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.getByLabel('Email, phone, or Skype').fill(stranger.email);
    await page.getByLabel('Password').fill(stranger.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Account not registered' }).waitFor();
    assert.match(
      await page.getByRole('alert').innerText(),
      /Selected user account does not exist in tenant 'Itron Partner Center' and cannot access the application\./,
    );
    await page.getByText(stranger.email).waitFor();
    await page.getByRole('link', { name: 'sign up for an account' }).waitFor();
    await atBothWidths(page, 'entra-not-registered');

    // "sign up for an account": User Registration for this site, as the Microsoft account just used.
    await page.getByRole('link', { name: 'sign up for an account' }).click();
    await page.getByRole('heading', { name: 'User Registration' }).waitFor();
    assert.equal(await page.getByLabel('Log on to').inputValue(), SITE_ID);
    assert.equal(await page.getByLabel('Email').inputValue(), stranger.email);
    await page.getByRole('button', { name: 'Send code' }).click();
    const mail = await smtp.waitFor((m) => m.to.includes(stranger.email));
    await page.getByLabel('Verification code').fill(/\b(\d{6})\b/.exec(mail.text)![1]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText(`You will sign in with Microsoft as ${stranger.email}`).waitFor();
    assert.equal(await page.getByLabel('Password').count(), 0);
    await page.getByLabel('Name').fill('Sam Stranger');
    await page.getByLabel('Organisation').fill('Itron Partner');
    await page.getByLabel('Reason for access').fill('Partner orders');
    await screenshot(page, 'entra-request-access');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByText('two business days').waitFor();
    const account = await createAccountService({ store: running.admit.store }).findLinked(SITE_ID, 'entra', `${tid}:${stranger.oid}`);
    assert.equal(account?.status, 'pending_approval', 'the request is bound to the Microsoft identity');
    await page.close();
  });

  it('shows the waiting page to a partner whose sign-up request is not approved yet', async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl());
    await page.getByLabel('Log on to').selectOption(SITE_ID);
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.getByLabel('Email, phone, or Skype').fill(waiting.email);
    await page.getByLabel('Password').fill(waiting.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    await page.getByText('typically processed within two business days').waitFor();
    await atBothWidths(page, 'entra-waiting');
    await page.close();
  });

  it('says "try again" when Microsoft cannot be reached', async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl());
    await page.getByLabel('Log on to').selectOption('ITRONDOWN');
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.getByRole('heading', { name: 'Microsoft is not responding' }).waitFor();
    await page.getByRole('button', { name: 'Try again' }).waitFor();
    await atBothWidths(page, 'entra-try-again');
    await page.close();
  });
});
