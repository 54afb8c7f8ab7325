import assert from 'node:assert/strict';
import { once } from 'node:events';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { newDeviceId } from '../../src/services/mfa/devices.ts';
import { captureNotifier, codeIn } from '../mfa/harness.ts';
import { startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { startSmtpServer } from '../support/smtp-server.ts';

const PASSWORD = 'Codes#Portal2026';
const sites = [
  { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
  { id: 'REG', displayName: 'Registration site', directory: { kind: 'local' }, signUp: { mode: 'approval', approvers: ['approver@demo.test'] } },
];

/** admit on SQLite with a real SMTP server and the console SMS notifier's messages captured. */
async function startWorld(sms: Record<string, unknown>) {
  const smtp = await startSmtpServer();
  const texts = captureNotifier();
  const running = await startAdmit({
    config: { sites, mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' }, sms },
    compose: { notifierLog: texts.log },
  });
  let users = 0;
  return {
    smtp,
    texts,
    running,
    /** A new local user signed in to the portal over HTTP, on the Self Update page. */
    async signedIn() {
      const username = `user${++users}`;
      await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({
        username,
        password: PASSWORD,
        name: username,
        email: `${username}@example.test`,
      });
      const browser = new FormBrowser();
      const { response, url } = await browser.follow(`${running.issuer}/portal/profile`);
      const login = await response.text();
      const done = await browser.follow(new URL(formAction(login, '/login'), url), undefined, {
        form: { _csrf: inputValue(login, '_csrf'), username, password: PASSWORD, site: 'DEMO' },
      });
      assert.equal(done.url.pathname, '/portal/profile', 'signed in to Self Update');
      const html = await done.response.text();
      const account = (await createAccountService({ store: running.admit.store }).findByUsername('DEMO', username))!;
      return {
        username,
        browser,
        accountId: account.id,
        /** Self Update: a new email or phone number, answered where the POST ends. */
        async propose(change: { email?: string; phone?: string }) {
          const page = await (await browser.request(`${running.issuer}/portal/profile`)).text();
          const sent = await browser.follow(`${running.issuer}/portal/profile`, undefined, {
            form: { _csrf: inputValue(page, '_csrf'), name: username, email: change.email ?? `${username}@example.test`, phone: change.phone ?? '' },
          });
          return { status: sent.response.status, url: sent.url, html: await sent.response.text() };
        },
        async verify(channel: 'email' | 'sms', code: string) {
          const page = await (await browser.request(`${running.issuer}/portal/profile/verify/${channel}`)).text();
          const answer = await browser.request(`${running.issuer}/portal/profile/verify/${channel}`, { form: { _csrf: inputValue(page, '_csrf'), code } });
          return { status: answer.status, html: await answer.text() };
        },
        html,
      };
    },
    /** Every key and value of the store, as a copy of the database file would give them. */
    storeCopy(): string {
      const path = running.config.store.url.replace(/^sqlite:/, '');
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        return (db.prepare('SELECT key, value FROM kv').all() as { key: string; value: string }[]).map((row) => `${row.key} ${row.value}`).join('\n');
      } finally {
        db.close();
      }
    },
    async stop() {
      await running.stop();
      await smtp.stop();
    },
  };
}

type World = Awaited<ReturnType<typeof startWorld>>;

/**
 * What an attacker with a store copy tries: sha256(accountId:code) for every
 * 6-digit code, against every hash-shaped value. In a worker thread, so the
 * in-process server keeps answering meanwhile.
 */
async function recoverCode(copy: string, accountId: string): Promise<string | undefined> {
  const hashes = [...copy.matchAll(/"([A-Za-z0-9_-]{43}|[0-9a-f]{64})"/g)].map((match) => match[1]);
  assert.ok(hashes.length > 0, 'the copy holds hash-shaped values');
  const search = `
    const { createHash } = require('node:crypto');
    const { workerData, parentPort } = require('node:worker_threads');
    const hashes = new Set(workerData.hashes);
    let found;
    for (let n = 0; n < 1000000 && found === undefined; n += 1) {
      const code = String(n).padStart(6, '0');
      const digest = createHash('sha256').update(workerData.accountId + ':' + code).digest();
      if (hashes.has(digest.toString('base64url')) || hashes.has(digest.toString('hex'))) found = code;
    }
    parentPort.postMessage(found ?? null);`;
  const worker = new Worker(search, { eval: true, workerData: { hashes, accountId } });
  const [found] = (await once(worker, 'message')) as [string | null];
  await worker.terminate();
  return found ?? undefined;
}

const mailCode = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? assert.fail(`no code in ${text}`);

describe('one-time codes on the portal and registration pages', () => {
  describe('a code sent for Self Update, with sms.codeTtlSeconds = 300', () => {
    let world: World;
    beforeAll(async () => (world = await startWorld({ codeTtlSeconds: 300, resendCooldownSeconds: 0 })));
    afterAll(() => world?.stop());

    it('is stored as a keyed hash: sha256(accountId:code) over all 10^6 codes finds nothing in a copy of the store', async () => {
      const user = await world.signedIn();
      const proposed = await user.propose({ email: `${user.username}.new@example.test` });
      assert.equal(proposed.url.pathname, '/portal/profile/verify/email', proposed.html.slice(0, 300));
      const code = mailCode((await world.smtp.waitFor((mail) => mail.to.includes(`${user.username}.new@example.test`))).text);
      const copy = world.storeCopy();
      assert.equal(await recoverCode(copy, user.accountId), undefined, 'the code is not recoverable from the store');
      assert.ok(!copy.includes(`"${code}"`), 'nor stored in the clear');
      const verified = await user.verify('email', code);
      assert.equal(verified.status, 200);
      assert.match(verified.html, /Contact details updated/);
    });

    it('states the configured lifetime in the email, the text message and the pages: 5 minutes', async () => {
      const user = await world.signedIn();
      const proposed = await user.propose({ email: `${user.username}.other@example.test` });
      assert.match(proposed.html, /valid for 5 minutes/);
      const mail = await world.smtp.waitFor((m) => m.to.includes(`${user.username}.other@example.test`));
      assert.match(mail.text, /valid for 5 minutes/);
      assert.doesNotMatch(mail.text, /10 minutes/);

      const texted = await user.propose({ phone: '+1 201 555 0177' });
      assert.equal(texted.url.pathname, '/portal/profile/verify/sms', texted.html.slice(0, 300));
      assert.match(texted.html, /valid for 5 minutes/);
      const text = world.texts.last('+12015550177');
      assert.match(text?.text ?? '', /5 minutes/);
      assert.doesNotMatch(text?.text ?? '', /10 minutes/);
      const verified = await user.verify('sms', codeIn(text));
      assert.match(verified.html, /Your phone number is now \(201\) 555-0177\./);
    });

    it('states it in the registration email and page', async () => {
      const browser = new FormBrowser();
      const start = await (await browser.request(`${world.running.issuer}/register`)).text();
      const sent = await browser.follow(`${world.running.issuer}/register`, undefined, {
        form: { _csrf: inputValue(start, '_csrf'), site: 'REG', email: 'newcomer@example.test' },
      });
      assert.equal(sent.url.pathname, '/register/verify');
      assert.match(await sent.response.text(), /valid for 5 minutes/);
      const mail = await world.smtp.waitFor((m) => m.to.includes('newcomer@example.test'));
      assert.match(mail.text, /valid for 5 minutes/);
    });

    it('states it in the text and the call of Reset Password', async () => {
      const user = await world.signedIn();
      const who = (await world.running.admit.mfa.subject(user.accountId))!;
      const phone = world.running.admit.mfa.phoneNumbers.parse('US', '2015550178');
      assert.equal(phone.status, 'ok');
      if (phone.status !== 'ok') return;
      await world.running.admit.mfa.manage.add(
        undefined,
        who,
        { id: newDeviceId(), type: 'mobile', name: 'Phone', phone: phone.phone, createdAt: new Date().toISOString() },
        { verifiedAt: Date.now() },
      );
      const browser = new FormBrowser();
      const start = await (await browser.request(`${world.running.issuer}/portal/reset`)).text();
      const prove = await browser.follow(`${world.running.issuer}/portal/reset`, undefined, {
        form: { _csrf: inputValue(start, '_csrf'), username: user.username, site: 'DEMO' },
      });
      const csrf = inputValue(await prove.response.text(), '_csrf');
      for (const channel of ['sms', 'call'] as const) {
        const before = world.texts.sent.length;
        await browser.request(`${world.running.issuer}/portal/reset/send`, { form: { _csrf: csrf, channel } });
        const message = world.texts.sent.slice(before).find((m) => m.to === '+12015550178');
        assert.ok(message, `a ${channel} was sent`);
        assert.match(message.text, /5 minutes/, `${channel}: ${message.text}`);
      }
    });
  });

  describe('send limits on Self Update codes', () => {
    it('per target: three accounts proposing one address get two codes sent to it', async () => {
      const world = await startWorld({ perNumberPerHour: 2, resendCooldownSeconds: 0 });
      try {
        const outcomes = [];
        for (let i = 0; i < 3; i += 1) outcomes.push((await (await world.signedIn()).propose({ email: 'target@example.test' })).status);
        assert.deepEqual(outcomes, [200, 200, 429]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(world.smtp.received.filter((mail) => mail.to.includes('target@example.test')).length, 2);
      } finally {
        await world.stop();
      }
    });

    it('per IP: one client asking codes for many accounts and addresses is stopped', async () => {
      const world = await startWorld({ perIpPerHour: 3, resendCooldownSeconds: 0 });
      try {
        const outcomes = [];
        for (let i = 0; i < 4; i += 1) {
          const user = await world.signedIn();
          outcomes.push((await user.propose({ email: `${user.username}.moved@example.test` })).status);
        }
        assert.deepEqual(outcomes, [200, 200, 200, 429]);
      } finally {
        await world.stop();
      }
    });
  });

  describe('send limits on registration codes', () => {
    let world: World;
    beforeAll(async () => (world = await startWorld({ resendCooldownSeconds: 0 })));
    afterAll(() => world?.stop());

    const ask = async (email: string) => {
      const browser = new FormBrowser();
      const start = await (await browser.request(`${world.running.issuer}/register`)).text();
      return (await browser.request(`${world.running.issuer}/register`, { form: { _csrf: inputValue(start, '_csrf'), site: 'REG', email } })).status;
    };

    it('per target: a fourth code to one address within the window is refused, from fresh browsers too', async () => {
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push(await ask('again@example.test'));
      assert.deepEqual(statuses, [303, 303, 303, 429]);
    });

    it('per IP: twenty codes from one client, then no more', async () => {
      // Four were sent from this client by the test before.
      const statuses = [];
      for (let i = 0; i < 17; i += 1) statuses.push(await ask(`many${i}@example.test`));
      assert.deepEqual(statuses, [...Array(16).fill(303), 429]);
    });
  });
});
