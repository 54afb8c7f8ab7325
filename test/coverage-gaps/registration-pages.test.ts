// "User Registration" over HTTP, in process: each step refused out of order,
// each bad detail answered on its page with nothing kept, and a site whose
// directory keeps its own users (the registrant proves its password instead
// of choosing one) — right, wrong, unreachable, or already registered.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { canonicalUsername, defineDirectoryPlugin, type PasswordConnector, type PasswordOutcome } from '../../src/kit/index.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { fakeSettingsSchema } from '../registration/fake-directory/settings.ts';
import { codeFrom, sendDetails, verifyEmail } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

/** A directory that keeps its own users (admit only checks their passwords); "down" answers unavailable. */
const ownUsers = new Map([
  ['olga', { externalId: 'own-1', username: 'olga', name: 'Olga Own', email: 'olga@own.example', groups: [] }],
  ['oscar', { externalId: 'own-2', username: 'oscar', groups: [] }],
  ['otto', { externalId: 'own-3', username: 'otto', groups: [] }],
]);
let ownDown = false;
const ownDirectory = defineDirectoryPlugin({
  kind: 'own',
  settings: fakeSettingsSchema('own'),
  capabilities: { passwords: true, passwordChange: false, passwordReset: false, unlock: false, federated: false, managedUsers: false },
  async load() {
    return (): PasswordConnector => ({
      kind: 'own',
      async verifyPassword({ username, password }): Promise<PasswordOutcome> {
        if (ownDown) return { status: 'unavailable', reason: 'the test took it down' };
        const user = ownUsers.get(canonicalUsername(username));
        return user && password === `${user.username}-Directory#1` ? { status: 'ok', identity: user } : { status: 'invalid' };
      },
      health: async () => (ownDown ? { ok: false as const, reason: 'down' } : { ok: true as const }),
    });
  },
});

const sites = [
  { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signUp: { mode: 'approval' } },
  { id: 'OWN', displayName: 'Own directory', directory: { kind: 'own', idPrefix: 'own-' }, signUp: { mode: 'approval' } },
  { id: 'SHUT', displayName: 'Closed site', directory: { kind: 'local' }, signUp: { mode: 'invitation' } },
];
const details = { name: 'Reg Istrant', organisation: 'Acme', reason: 'Testing' };

describe('User Registration pages', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  const url = (path: string) => `${running.issuer}${path}`;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startAdmit({ config: { sites, mail: { transport: smtp.url } }, compose: { directories: [ownDirectory] } });
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  const location = (response: Response) => new URL(response.headers.get('location') ?? '', running.issuer).pathname;

  it('preselects the site the link names, and refuses a site that takes no requests, echoing the address as typed', async () => {
    const browser = new FormBrowser();
    const start = await (await browser.request(url('/register?site=OWN'))).text();
    assert.match(start, /<option[^>]*value="OWN"[^>]*selected/);
    assert.doesNotMatch(start, /value="SHUT"/);
    const unknownAsked = await (await browser.request(url('/register?site=SHUT'))).text();
    assert.match(unknownAsked, /<option[^>]*value="DEMO"[^>]*selected/);
    const refused = await browser.request(url('/register'), { form: { _csrf: inputValue(start, '_csrf'), site: 'SHUT', email: 'Mixed@Example.com' } });
    assert.equal(refused.status, 400);
    const html = await refused.text();
    assert.match(html, /does not take access requests/);
    assert.equal(inputValue(html, 'email'), 'Mixed@Example.com');
  });

  it('sends the steps after the first back to the start when there is no registration', async () => {
    const browser = new FormBrowser();
    for (const path of ['/register/verify', '/register/details', '/register/status']) {
      const response = await browser.request(url(path));
      assert.equal(response.status, 303, path);
      assert.equal(location(response), '/register', path);
    }
    const start = await (await browser.request(url('/register'))).text();
    const verify = await browser.request(url('/register/verify'), { form: { _csrf: inputValue(start, '_csrf'), code: '123456' } });
    assert.match(await verify.text(), /took too long or was already sent/);
    const posted = await browser.request(url('/register/details'), { form: { _csrf: inputValue(start, '_csrf'), ...details, username: 'x', password: 'y' } });
    assert.equal(location(posted), '/register');
  });

  it('answers a wrong or malformed code on the code page, then goes on with the right one; verified, the code page leads on', async () => {
    const browser = new FormBrowser();
    const start = await (await browser.request(url('/register'))).text();
    const before = smtp.received.length;
    await browser.request(url('/register'), { form: { _csrf: inputValue(start, '_csrf'), site: 'DEMO', email: 'codes@example.com' } });
    const mail = await smtp.waitFor((m) => m.to.includes('codes@example.com') && smtp.received.indexOf(m) >= before);
    const page = await (await browser.request(url('/register/verify'))).text();
    const code = codeFrom(mail.text);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (const attempt of [wrong, 'abc']) {
      const response = await browser.request(url('/register/verify'), { form: { _csrf: inputValue(page, '_csrf'), code: attempt } });
      assert.equal(response.status, 400, attempt);
      assert.match(await response.text(), /That code is not right/);
    }
    const right = await browser.request(url('/register/verify'), { form: { _csrf: inputValue(page, '_csrf'), code } });
    assert.equal(location(right), '/register/details');
    assert.equal(location(await browser.request(url('/register/verify'))), '/register/details');
    const again = await browser.request(url('/register/verify'), { form: { _csrf: inputValue(page, '_csrf'), code } });
    assert.equal(location(again), '/register/details');
  });

  it('ends the registration after too many wrong codes, back at the start with the address kept', async () => {
    const browser = new FormBrowser();
    const start = await (await browser.request(url('/register'))).text();
    await browser.request(url('/register'), { form: { _csrf: inputValue(start, '_csrf'), site: 'DEMO', email: 'guesser@example.com' } });
    const page = await (await browser.request(url('/register/verify'))).text();
    let last: Response | undefined;
    for (let attempt = 0; attempt < 12; attempt += 1) {
      last = await browser.request(url('/register/verify'), { form: { _csrf: inputValue(page, '_csrf'), code: String(100000 + attempt) } });
      if (last.status === 429) break;
      assert.equal(last.status, 400);
    }
    assert.equal(last?.status, 429);
    const html = await last!.text();
    assert.match(html, /Too many requests/);
    assert.equal(inputValue(html, 'email'), 'guesser@example.com');
    assert.equal(location(await browser.request(url('/register/verify'))), '/register');
  });

  it('stops emailing codes to one address after its limit (429), saying so on the start page', async () => {
    const browser = new FormBrowser();
    const start = await (await browser.request(url('/register'))).text();
    let last: Response | undefined;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      last = await browser.request(url('/register'), { form: { _csrf: inputValue(start, '_csrf'), site: 'DEMO', email: 'flooded@example.com' } });
      if (last.status === 429) break;
      assert.equal(last.status, 303);
    }
    assert.equal(last?.status, 429);
    assert.match(await last!.text(), /Too many requests/);
  });

  it('refuses an address already in use once its owner proved it, and ends that registration', async () => {
    await createAccountService({ store: running.admit.store }).linkOrCreate('DEMO', 'local', {
      externalId: 'taken-1',
      username: 'taken',
      email: 'taken@example.com',
      groups: [],
    });
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'DEMO', 'taken@example.com');
    assert.match(page, /^409:/);
    assert.match(page, /already in use/);
    assert.equal(location(await browser.request(url('/register/details'))), '/register');
  });

  it('answers bad details on the details page, keeps what was typed, and registers nothing until they are right', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'DEMO', 'rita@example.com');
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ ...details, name: '', username: 'rita', password: 'Rita#Garden2026', confirmPassword: 'Rita#Garden2026' }, 400, /Fill in every field/],
      [{ ...details, username: 'rita', password: 'Rita#Garden2026', confirmPassword: 'Rita#Garden2027' }, 400, /do not match/],
      [{ ...details, username: 'rita', password: 'short', confirmPassword: 'short' }, 400, /does not meet the rules/],
    ];
    for (const [fields, status, message] of cases) {
      const { response } = await sendDetails(running, browser, page, fields);
      assert.equal(response.status, status, JSON.stringify(fields));
      const html = await response.text();
      assert.match(html, message);
      assert.equal(inputValue(html, 'organisation'), 'Acme');
    }
    // A user name another registration took in the directory meanwhile.
    const other = new FormBrowser();
    const otherPage = await verifyEmail(running, smtp, other, 'DEMO', 'first@example.com');
    const first = await sendDetails(running, other, otherPage, {
      ...details,
      username: 'rita',
      password: 'Rita#Garden2026',
      confirmPassword: 'Rita#Garden2026',
    });
    assert.equal(first.url.pathname, '/register/status');
    const taken = await sendDetails(running, browser, page, { ...details, username: 'Rita', password: 'Rita#Garden2026', confirmPassword: 'Rita#Garden2026' });
    assert.equal(taken.response.status, 409);
    assert.match(await taken.response.text(), /user name is taken/);
    assert.equal((await createAccountService({ store: running.admit.store }).findByEmail('DEMO', 'rita@example.com')).length, 0);

    const sent = await sendDetails(running, browser, page, { ...details, username: 'rita2', password: 'Rita#Garden2026', confirmPassword: 'Rita#Garden2026' });
    assert.equal(sent.url.pathname, '/register/status');
    assert.match(await sent.response.text(), /Demo site/);
    // Sent: the details page and its form lead to the status.
    assert.equal(location(await browser.request(url('/register/details'))), '/register/status');
    const resent = await browser.request(url('/register/details'), {
      form: { _csrf: inputValue(page, '_csrf'), ...details, username: 'rita3', password: 'Rita#Garden2026', confirmPassword: 'Rita#Garden2026' },
    });
    assert.equal(location(resent), '/register/status');
  });

  describe('a site whose directory keeps its own users', () => {
    it('counts wrong directory passwords as the sign-in does: past the limit, 429', async () => {
      const browser = new FormBrowser();
      const page = await verifyEmail(running, smtp, browser, 'OWN', 'guess@own.example');
      let status = 0;
      for (let attempt = 0; attempt < 8 && status !== 429; attempt += 1) {
        ({ status } = (await sendDetails(running, browser, page, { ...details, username: 'otto', password: `guess-${attempt}` })).response);
      }
      assert.equal(status, 429);
      // The right password is refused too until the window passes.
      const right = await sendDetails(running, browser, page, { ...details, username: 'otto', password: 'otto-Directory#1' });
      assert.equal(right.response.status, 429);
      assert.match(await right.response.text(), /Too many sign-in attempts/);
    });

    it('asks for the directory sign-in, not a new password', async () => {
      const page = await verifyEmail(running, smtp, new FormBrowser(), 'OWN', 'look@own.example');
      assert.match(page, /name="username"/);
      assert.doesNotMatch(page, /name="confirmPassword"/);
    });

    it('refuses a wrong directory password (401) and an unreachable directory (503), then registers with the right one', async () => {
      const browser = new FormBrowser();
      const page = await verifyEmail(running, smtp, browser, 'OWN', 'olga@own.example');
      const wrong = await sendDetails(running, browser, page, { ...details, username: 'olga', password: 'not-it' });
      assert.equal(wrong.response.status, 401);
      assert.match(await wrong.response.text(), /user name or password is incorrect/);
      ownDown = true;
      try {
        const down = await sendDetails(running, browser, page, { ...details, username: 'olga', password: 'olga-Directory#1' });
        assert.equal(down.response.status, 503);
        assert.match(await down.response.text(), /cannot be reached right now/);
      } finally {
        ownDown = false;
      }
      const ok = await sendDetails(running, browser, page, { ...details, name: 'Typed Name', username: 'olga', password: 'olga-Directory#1' });
      assert.equal(ok.url.pathname, '/register/status');
      const [account] = await createAccountService({ store: running.admit.store }).findByEmail('OWN', 'olga@own.example');
      assert.equal(account?.status, 'pending_approval');
      assert.equal(account?.name, 'Olga Own', "the directory's name wins over the typed one");
      assert.equal(account?.externalId, 'own-1');
    });

    it('refuses a second registration of the same directory account, whatever address it came with', async () => {
      const browser = new FormBrowser();
      const page = await verifyEmail(running, smtp, browser, 'OWN', 'olga.other@example.com');
      const again = await sendDetails(running, browser, page, { ...details, username: 'olga', password: 'olga-Directory#1' });
      assert.equal(again.response.status, 409);
      assert.match(await again.response.text(), /already have an account on this site/);
    });

    it('takes the proven address for a directory account that has none (unverified when it differs)', async () => {
      const browser = new FormBrowser();
      const page = await verifyEmail(running, smtp, browser, 'OWN', 'oscar@example.com');
      const ok = await sendDetails(running, browser, page, { ...details, username: 'oscar', password: 'oscar-Directory#1' });
      assert.equal(ok.url.pathname, '/register/status');
      const [account] = await createAccountService({ store: running.admit.store }).findByEmail('OWN', 'oscar@example.com');
      assert.equal(account?.name, details.name);
      assert.equal(account?.emailVerified, true);
    });
  });
});
