import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { emailBranding } from '../../src/branding/branded-mail.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';

interface Received {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** A branded site's emails: its sender name (mail.from's address kept) and footer; another site's as before. */
describe("a branded site's emails", () => {
  const received: Received[] = [];
  let server: SMTPServer;
  let running: RunningAdmit;

  beforeAll(async () => {
    // The From header as sent, which the shared test server does not keep.
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream).then((mail) => {
          received.push({
            from: mail.from?.text ?? '',
            to: mail.to && !Array.isArray(mail.to) ? mail.to.text : '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
          });
          callback();
        }, callback);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.server.address() as { port: number }).port;
    running = await startAdmit({
      config: {
        sites: [
          {
            id: 'ITRONMS',
            displayName: 'Itron Managed Services',
            directory: { kind: 'local' },
            branding: { productName: 'Itron MSP', email: { senderName: 'Itron MSP Support', footer: 'Itron, Inc. · 2111 N Molter Road, Liberty Lake, WA' } },
          },
          { id: 'PLAIN', displayName: 'Plain', directory: { kind: 'local' } },
        ],
        mail: { transport: `smtp://127.0.0.1:${port}`, from: 'admit <no-reply@admit.test>' },
      },
    });
    const accounts = createAccountService({ store: running.admit.store });
    const admin = await accounts.linkOrCreate('ITRONMS', 'local', { externalId: 'ext-gil', username: 'gil', email: 'gil@admins.test', groups: [] });
    await accounts.save({ ...admin, adminSites: ['*'] });
  });
  afterAll(async () => {
    await running?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function requestResend(site: string, email: string) {
    const browser = new FormBrowser();
    const page = await browser.request(`${running.issuer}/help?site=${site}`);
    const csrf = inputValue(await page.text(), '_csrf');
    await browser.request(`${running.issuer}/help/resend-invitation`, { form: { _csrf: csrf, site, email } });
  }

  async function waitFor(match: (mail: Received) => boolean): Promise<Received> {
    for (let i = 0; i < 100; i += 1) {
      const found = received.find(match);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no such email; got ${received.map((mail) => mail.subject).join('; ')}`);
  }

  it("goes out from the site's sender name at mail.from's address, naming the product and ending with its footer", async () => {
    await requestResend('ITRONMS', 'branded@example.test');
    const mail = await waitFor((m) => m.subject.endsWith('branded@example.test'));
    assert.equal(mail.from, '"Itron MSP Support" <no-reply@admit.test>');
    assert.match(mail.text, /This message was sent by the Itron MSP sign-in service/);
    assert.match(mail.text, /Itron, Inc\. · 2111 N Molter Road, Liberty Lake, WA/);
  });

  it("another site's email is as it always was", async () => {
    await requestResend('PLAIN', 'plain@example.test');
    const mail = await waitFor((m) => m.subject.endsWith('plain@example.test'));
    assert.equal(mail.from, '"admit" <no-reply@admit.test>');
    assert.match(mail.text, /This message was sent by the Customer & Partner Center sign-in service/);
    assert.doesNotMatch(mail.text, /Itron/);
  });

  it('keeps a bare mail.from address and a message of no site untouched', () => {
    const brand = emailBranding([{ id: 'A', branding: { productName: 'Acme' } }], 'no-reply@acme.example');
    const mail = { to: 'x@example.test', template: 't', data: { a: 1 } };
    assert.deepEqual(brand(mail, 'A'), {
      ...mail,
      from: { name: 'Acme', address: 'no-reply@acme.example' },
      data: { a: 1, brand: { name: 'Acme', footer: undefined } },
    });
    assert.equal(brand(mail, undefined), mail);
    assert.equal(brand(mail, 'B'), mail);
  });
});
