import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createAuditQuery } from '../../src/services/audit/audit-query.ts';
import { type MfaWorld, startMfaWorld } from '../mfa/mfa-world.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';

/** Reset Password's finish takes the proved flow before it writes: parallel finishes write one password. */
describe('Reset Password: parallel finishes of one proved flow', () => {
  let world: MfaWorld;
  beforeAll(async () => (world = await startMfaWorld({ sites: [] })));
  afterAll(() => world?.stop());

  it('25 parallel finishes write exactly one password', async () => {
    const user = await world.enrolledUser('rhea', { mobile: '2015550190', recovery: true });
    const { issuer } = world.running;
    const browser = new FormBrowser();
    const start = await (await browser.request(`${issuer}/portal/reset`)).text();
    const prove = await browser.follow(`${issuer}/portal/reset`, undefined, { form: { _csrf: inputValue(start, '_csrf'), username: 'rhea', site: 'DEMO' } });
    const proved = await browser.follow(`${issuer}/portal/reset/verify`, undefined, {
      form: { _csrf: inputValue(await prove.response.text(), '_csrf'), source: 'recovery', code: user.recoveryCodes[0]! },
    });
    assert.equal(proved.url.pathname, '/portal/reset/finish');
    const csrf = inputValue(await proved.response.text(), '_csrf');
    const mailsBefore = world.smtp.received.length;

    const passwords = Array.from({ length: 25 }, (_, i) => `Rhea#Parallel${String(i).padStart(2, '0')}x`);
    const answers = await Promise.all(
      passwords.map(async (password) => {
        const response = await browser.request(`${issuer}/portal/reset/finish`, { form: { _csrf: csrf, newPassword: password, confirmPassword: password } });
        return { status: response.status, html: await response.text() };
      }),
    );
    const done = answers.filter((answer) => answer.status === 200 && /Your password was reset/.test(answer.html));
    assert.equal(done.length, 1, `one finish goes on: ${JSON.stringify(answers.map((answer) => answer.status))}`);
    assert.deepEqual(
      answers.filter((answer) => answer !== done[0]).map((answer) => answer.status),
      Array(24).fill(400),
    );

    const directory = createLocalDirectory({ store: world.running.admit.store, siteId: 'DEMO' });
    const working = [];
    for (const password of passwords) if ((await directory.connector.verifyPassword({ username: 'rhea', password })).status === 'ok') working.push(password);
    assert.equal(working.length, 1, 'one of the 25 passwords works');

    const today = new Date().toISOString().slice(0, 10);
    const events: { outcome: string }[] = [];
    for await (const event of createAuditQuery({ store: world.running.admit.store }).events({
      scope: { allSites: true },
      user: 'rhea',
      action: 'password_reset',
      from: today,
      to: today,
    })) {
      if (event.action === 'password_reset' && event.username === 'rhea') events.push(event);
    }
    assert.deepEqual(
      events.map((event) => event.outcome),
      ['ok'],
      'one directory write',
    );
    const account = await createAccountService({ store: world.running.admit.store }).find(user.accountId);
    assert.ok(account?.passwordChangedAt, 'the change is recorded');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(
      world.smtp.received.slice(mailsBefore).filter((mail) => mail.to.includes('rhea@example.test') && mail.subject === 'Your password was changed').length,
      1,
    );
  });

  it('a refused password or form leaves the proved flow open for another try', async () => {
    const user = await world.enrolledUser('remy', { mobile: '2015550191', recovery: true });
    const { issuer } = world.running;
    const browser = new FormBrowser();
    const start = await (await browser.request(`${issuer}/portal/reset`)).text();
    const prove = await browser.follow(`${issuer}/portal/reset`, undefined, { form: { _csrf: inputValue(start, '_csrf'), username: 'remy', site: 'DEMO' } });
    const proved = await browser.follow(`${issuer}/portal/reset/verify`, undefined, {
      form: { _csrf: inputValue(await prove.response.text(), '_csrf'), source: 'recovery', code: user.recoveryCodes[0]! },
    });
    const csrf = inputValue(await proved.response.text(), '_csrf');
    // A form that cannot be read is refused before the flow is taken, with the field's message.
    for (const [fields, message] of [
      [{ newPassword: '', confirmPassword: 'Remy#Another2026' }, /Fill in every field/],
      [{ newPassword: 'x'.repeat(1025), confirmPassword: 'x' }, /One of the values is too long/],
    ] as const) {
      const refused = await browser.request(`${issuer}/portal/reset/finish`, { form: { _csrf: csrf, ...fields } });
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), message);
    }
    const weak = await browser.request(`${issuer}/portal/reset/finish`, { form: { _csrf: csrf, newPassword: 'short', confirmPassword: 'short' } });
    assert.equal(weak.status, 400);
    const good = await browser.request(`${issuer}/portal/reset/finish`, {
      form: { _csrf: csrf, newPassword: 'Remy#Another2026', confirmPassword: 'Remy#Another2026' },
    });
    assert.equal(good.status, 200);
    assert.match(await good.text(), /Your password was reset/);
  });
});
