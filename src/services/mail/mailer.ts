import { join } from 'node:path';
import ejs from 'ejs';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export interface MailSettings {
  from: string;
  transport: string;
  timeoutSeconds: number;
}

export interface OutgoingMail {
  to: string;
  /** A template pair in views/email: `<template>.text.ejs` and `<template>.html.ejs`; the text one's first line is `Subject: …`. */
  template: string;
  data: Record<string, unknown>;
}

/**
 * Sends templated email through SMTP (nodemailer) or, in the embedded
 * default, prints it to the log. Links in templates are built by the caller
 * from the configured issuer, never from a request's Host header.
 */
export function createMailer({ settings, viewsDir, publicUrl, logger }: { settings: MailSettings; viewsDir: string; publicUrl: string; logger: Logger }) {
  const toConsole = settings.transport === 'console';
  // nodemailer reads its timeouts from the URL's query string.
  const withTimeouts = (url: string) => {
    const parsed = new URL(url);
    const ms = String(settings.timeoutSeconds * 1000);
    for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) parsed.searchParams.set(name, ms);
    return parsed.href;
  };
  const transporter: Transporter | undefined = toConsole ? undefined : nodemailer.createTransport(withTimeouts(settings.transport));

  async function render(template: string, data: Record<string, unknown>) {
    const locals = { publicUrl, ...data };
    const text = await ejs.renderFile(join(viewsDir, 'email', `${template}.text.ejs`), locals);
    const html = await ejs.renderFile(join(viewsDir, 'email', `${template}.html.ejs`), locals);
    const [first, ...rest] = text.split('\n');
    if (!first?.startsWith('Subject: ')) throw new Error(`email template ${template}: the first line must be "Subject: …"`);
    return { subject: first.slice('Subject: '.length).trim(), text: rest.join('\n').trimStart(), html };
  }

  return {
    async send(mail: OutgoingMail): Promise<void> {
      const { subject, text, html } = await render(mail.template, mail.data);
      if (transporter) {
        await transporter.sendMail({ from: settings.from, to: mail.to, subject, text, html });
        return;
      }
      logger.info({ channel: 'mail', to: mail.to, subject, text }, 'email (console transport)');
    },
    /**
     * Sends a notification whose failure must not fail what the user did (a
     * password change is done even if the "your password changed" email is
     * not): failures are logged instead.
     */
    async notify(mail: OutgoingMail): Promise<void> {
      try {
        await this.send(mail);
      } catch (error) {
        logger.warn({ err: error, template: mail.template }, 'notification email not sent');
      }
    },
    close(): void {
      transporter?.close();
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;
