import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../../test/support/smtp-server.ts';
import { createMailer } from './mailer.ts';

const viewsDir = fileURLToPath(new URL('../../../views', import.meta.url));

describe('mailer', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(() => smtp?.stop());

  it('sends a templated message, text and HTML, through a real SMTP server', async () => {
    const mailer = createMailer({
      settings: { from: 'admit <no-reply@admit.test>', transport: smtp.url, timeoutSeconds: 5 },
      viewsDir,
      publicUrl: 'https://id.example.com',
      logger: pino({ level: 'silent' }),
    });
    await mailer.send({
      to: 'ivan@example.com',
      template: 'password-changed',
      data: { name: 'Ivan <script>', username: 'ivan', site: 'DEMO', when: '2026-11-21 10:00 UTC' },
    });
    mailer.close();
    const message = await smtp.waitFor((m) => m.to.includes('ivan@example.com'));
    assert.equal(message.subject, 'Your password was changed');
    assert.match(message.text, /account ivan on site DEMO/);
    assert.match(message.text, /https:\/\/id\.example\.com/);
    assert.match(message.html, /Ivan &lt;script&gt;/, 'HTML is escaped');
  });

  it('fails within its timeout when the SMTP server does not answer', async () => {
    const mailer = createMailer({
      settings: { from: 'a@b.c', transport: `smtp://127.0.0.1:${smtp.silentPort}`, timeoutSeconds: 1 },
      viewsDir,
      publicUrl: 'https://id.example.com',
      logger: pino({ level: 'silent' }),
    });
    const started = performance.now();
    await assert.rejects(mailer.send({ to: 'x@example.com', template: 'password-changed', data: { name: 'x', username: 'x', site: 'x', when: 'x' } }));
    assert.ok(performance.now() - started < 4000);
    mailer.close();
  });
});
