import { createRequire } from 'node:module';
import { join } from 'node:path';
import ejs from 'ejs';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { createLocalizer, DEFAULT_LOCALE, formatDateTime, type Localizer, shippedLocaleOf } from '../../i18n/index.ts';
import type { Outbox } from '../outbox/outbox.ts';

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
  /** The sender, when not mail.from: a site's branded display name with mail.from's address (src/branding/branded-mail.ts). */
  from?: { name: string; address: string };
  /**
   * The language to write it in (a shipped BCP 47 tag: the flow's when the
   * person is there, else their account's preference); English without one.
   * It travels in the outbox payload, so a retry writes the same language.
   */
  locale?: string;
}

// A timestamp in a mail's data (an ISO string, as the outbox keeps it) is shown as a date in the mail's language.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;
const MAIL_DATE: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };

/**
 * Sends templated email through SMTP (nodemailer) or, in the embedded
 * default, prints it to the log. Links in templates are built by the caller
 * from the configured issuer, never from a request's Host header.
 */
export function createMailer({
  settings,
  viewsDir,
  publicUrl,
  logger,
  outbox,
  localizer = createLocalizer(join(viewsDir, '..', 'locales')),
}: {
  settings: MailSettings;
  viewsDir: string;
  publicUrl: string;
  logger: Logger;
  outbox?: Outbox;
  /** Translates the templates' `t(key)`; its subject line too (`Subject: <%= t('email:…') %>`). */
  localizer?: Localizer;
}) {
  const toConsole = settings.transport === 'console';
  // nodemailer reads its timeouts from the URL's query string.
  const withTimeouts = (url: string) => {
    const parsed = new URL(url);
    const ms = String(settings.timeoutSeconds * 1000);
    for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) parsed.searchParams.set(name, ms);
    return parsed.href;
  };
  // nodemailer (~1.7 MiB of heap) is loaded only for a real transport: the console transport never needs it.
  const transporter: Transporter | undefined = toConsole
    ? undefined
    : (createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer')).createTransport(withTimeouts(settings.transport));

  async function render(template: string, data: Record<string, unknown>, requested: string | undefined) {
    const locale = shippedLocaleOf(requested) ?? DEFAULT_LOCALE;
    const shown: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(data))
      shown[name] = typeof value === 'string' && ISO_INSTANT.test(value) ? formatDateTime(locale, value, MAIL_DATE) : value;
    const t = localizer.translator(locale);
    // tHtml for the HTML part (values escaped, shown with <%- %>), tText for the text part (the sentence's own markup dropped).
    const tText = (key: string, vars?: Record<string, unknown>) => t(key, vars).replace(/<[^>]+>/g, '');
    const locals = { publicUrl, ...shown, locale, t, tText, tHtml: localizer.htmlTranslator(locale) };
    const text = await ejs.renderFile(join(viewsDir, 'email', `${template}.text.ejs`), locals);
    const html = await ejs.renderFile(join(viewsDir, 'email', `${template}.html.ejs`), locals);
    const [first, ...rest] = text.split('\n');
    if (!first?.startsWith('Subject: ')) throw new Error(`email template ${template}: the first line must be "Subject: …"`);
    return { subject: first.slice('Subject: '.length).trim(), text: rest.join('\n').trimStart(), html };
  }

  // The Message-ID's right side: the issuer's host, so a receiver sees one sender's ids.
  const idDomain = new URL(publicUrl).hostname || 'admit.invalid';

  /** Sends now. `messageId` (the outbox message's id) becomes the Message-ID, the same on every attempt. */
  async function deliver(mail: OutgoingMail, messageId?: string): Promise<void> {
    const { subject, text, html } = await render(mail.template, mail.data, mail.locale);
    const header = messageId === undefined ? undefined : `<${messageId}@${idDomain}>`;
    if (transporter) {
      await transporter.sendMail({ from: mail.from ?? settings.from, to: mail.to, subject, text, html, ...(header ? { messageId: header } : {}) });
      return;
    }
    logger.info({ channel: 'mail', to: mail.to, subject, text, messageId: header }, 'email (console transport)');
  }

  function requireOutbox(): Outbox {
    if (!outbox) throw new Error('this mailer has no outbox: queue() needs one');
    return outbox;
  }

  return {
    /** Sends inside the caller's request (the SMTP server's answer is the caller's to wait for); prefer queue(). */
    send: (mail: OutgoingMail) => deliver(mail),
    deliver,
    /**
     * Puts the email in the outbox: it goes out from the outbox worker, with
     * retries, and the request does not wait for the SMTP server. `onlyIf`:
     * only while that key still holds that value (the cause the caller is
     * about to write). Returns the outbox message's id.
     */
    async queue(mail: OutgoingMail, options: { siteId?: string; onlyIf?: { key: string; equals: string }; notAfter?: string } = {}): Promise<string> {
      const [message] = await requireOutbox().enqueue([
        { channel: 'email', to: mail.to, kind: mail.template, siteId: options.siteId, payload: mail, onlyIf: options.onlyIf, notAfter: options.notAfter },
      ]);
      return message!.id;
    },
    /**
     * A notification whose failure must not fail what the user did (a
     * password change is done even if the "your password changed" email is
     * not): queued in the outbox when there is one, and a store that cannot
     * take it is logged, not thrown.
     */
    async notify(mail: OutgoingMail, options: { siteId?: string; onlyIf?: { key: string; equals: string } } = {}): Promise<void> {
      try {
        if (outbox) await this.queue(mail, options);
        else await deliver(mail);
      } catch (error) {
        logger.warn({ err: error, template: mail.template }, 'notification email not queued');
      }
    },
    /** After writing the cause of queued mail: the worker looks now rather than at its next poll. */
    wake(): void {
      outbox?.wake();
    },
    close(): void {
      transporter?.close();
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;
