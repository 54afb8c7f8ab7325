import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type HelpWorld, pageText, startHelpWorld } from './help-world.ts';

/** Seed 002's "Sign In Help" page, answered by what each site's directory can do. */
describe('Sign In Help (/help)', () => {
  let world: HelpWorld;
  beforeAll(async () => {
    world = await startHelpWorld();
  });
  afterAll(async () => world?.stop());

  const page = async (path: string) => {
    const response = await fetch(`${world.running.issuer}${path}`, { headers: { accept: 'text/html' } });
    return { status: response.status, text: pageText(await response.text()), response };
  };

  it("an Entra site gets the seed's Microsoft-account questions and error messages, not the password answers", async () => {
    const { status, text } = await page('/help?site=CORP');
    assert.equal(status, 200);
    assert.match(text, /Customer \/ Partner Center Sign In Help/);
    assert.match(text, /Commonly asked questions and answers\./);
    for (const question of [
      'What security method is used to access my account?',
      'Why did I receive an email invitation from Customer & Partner Center?',
      'Why do I receive an error when trying to sign in?',
      'What if I do not remember my Microsoft account password?',
      "Why didn't I receive an email invitation?",
      'Why do I receive the error "This email address is already in use..." when trying to sign up?',
      'I already have a Microsoft account; how do I sign in?',
    ])
      assert.ok(text.includes(question), `asks: ${question}`);
    assert.match(text, /Selected user account does not exist in tenant 'Corp partners' and cannot access the application/);
    assert.match(text, /This username may be incorrect\.\.\./);
    assert.match(text, /We couldn't find an account with that username/);
    assert.match(text, /Customer & Partner Center uses Microsoft Entra ID/);
    assert.match(text, /If you continue to experience issues logging in, please contact your administrator\./);
    assert.doesNotMatch(text, /What if I do not remember my password\?/);
    assert.doesNotMatch(text, /Unlock Account/);
  });

  it('an LDAP site gets the password, Reset Password and Unlock Account answers with links to those pages', async () => {
    const { status, text, response } = await page('/help?site=ACME');
    assert.equal(status, 200);
    assert.match(text, /What if I do not remember my password\?/);
    assert.match(text, /What if my account is locked\?/);
    assert.match(text, /wait 15 minutes and try again/);
    assert.doesNotMatch(text, /Microsoft Entra ID/);
    assert.doesNotMatch(text, /Microsoft account password/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('a local site gets the same password answers; the links lead to the portal pages that exist', async () => {
    const response = await fetch(`${world.running.issuer}/help?site=DEMO`);
    const html = await response.text();
    assert.match(html, /href="\/portal\/reset"/);
    assert.match(html, /href="\/portal\/unlock"/);
    for (const path of ['/portal/reset', '/portal/unlock']) assert.equal((await fetch(`${world.running.issuer}${path}`)).status, 200, path);
    assert.match(pageText(html), /Try to sign in with your User Name and Password/);
  });

  it('without a site, both kinds of answer under their own headings and a "Log on to" choice', async () => {
    const { status, text } = await page('/help');
    assert.equal(status, 200);
    assert.match(text, /Signing in with a Microsoft account/);
    assert.match(text, /Signing in with a user name and password/);
    assert.match(text, /Log on to/);
  });

  it('an unknown or malformed site shows the general page, never an error', async () => {
    for (const site of ['NOPE', 'x'.repeat(500), '<script>']) {
      const { status, text } = await page(`/help?site=${encodeURIComponent(site)}`);
      assert.equal(status, 200, site);
      assert.match(text, /Signing in with a Microsoft account/);
    }
  });
});
