import { request } from 'node:http';
import type { RunningAdmit } from '../support/admit-server.ts';
import type { FormBrowser } from '../support/form-browser.ts';
import type { ReceivedMail, TestSmtpServer } from '../support/smtp-server.ts';

/** The invitation link in an email (text part). */
export function linkIn(mail: ReceivedMail): URL {
  const match = /(https?:\/\/\S+\/invite\?token=[A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no invitation link in: ${mail.text}`);
  return new URL(match[1]);
}

export const tokenOf = (link: URL) => link.searchParams.get('token') ?? '';

/** The newest email to this address. */
export function lastMailTo(smtp: TestSmtpServer, to: string): ReceivedMail | undefined {
  return [...smtp.received].reverse().find((mail) => mail.to.includes(to));
}

export async function waitForNewMail(smtp: TestSmtpServer, to: string, after: number): Promise<ReceivedMail> {
  return smtp.waitFor((mail) => mail.to.includes(to) && smtp.received.indexOf(mail) >= after);
}

/**
 * A form post with raw headers (fetch will not send a forged Host): the
 * browser's cookies, any Host / X-Forwarded-Host the test wants.
 */
export function rawPost(
  running: RunningAdmit,
  browser: FormBrowser,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string>,
): Promise<{ status: number; location?: string }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: running.port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          cookie: browser.cookieHeader(running.issuer),
          accept: 'text/html',
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A multipart upload (the CSV form), with the browser's cookies. */
export async function uploadCsv(
  running: RunningAdmit,
  browser: FormBrowser,
  fields: Record<string, string>,
  file: { name: string; content: string },
): Promise<{ status: number; html: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file.content], { type: 'text/csv' }), file.name);
  const response = await fetch(`${running.issuer}/admin/invitations/upload`, {
    method: 'POST',
    body: form,
    headers: { cookie: browser.cookieHeader(running.issuer), accept: 'text/html' },
    redirect: 'manual',
  });
  return { status: response.status, html: await response.text() };
}

/** Every invitation of the sites, newest first, page by page as the console reads them. */
export async function allInvitations(running: RunningAdmit, siteIds: string[]) {
  const all = [];
  let cursor: string | undefined;
  do {
    const page = await running.admit.approval.invitations.list(siteIds, { cursor });
    all.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return all;
}
