import assert from 'node:assert/strict';
import { getPage } from '../admin/console-support.ts';
import type { RunningAdmit } from '../support/admit-server.ts';
import { type FormBrowser, inputValue } from '../support/form-browser.ts';

/** A console form post with repeated fields (the Events checkboxes), with the browser's cookies; redirects not followed. */
export async function postFields(running: RunningAdmit, browser: FormBrowser, path: string, fields: [string, string][]): Promise<Response> {
  return fetch(new URL(path, running.issuer), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie: browser.cookieHeader(running.issuer) },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The signing secret a page shows once. */
export const secretIn = (html: string) => /id="webhook-secret">(whsec_[A-Za-z0-9+/=]+)</.exec(html)?.[1];

/** The subscription ids listed on a Webhooks page, by URL. */
export function subscriptionIdOf(html: string, url: string): string | undefined {
  const escaped = url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`data-webhook="(wh_[\\w-]+)"[^>]*>\\s*<h2[^>]*><code>${escaped}<`).exec(html)?.[1];
}

/** Adds a webhook through the console's form; answers its id and the secret shown once. */
export async function addWebhook(
  running: RunningAdmit,
  browser: FormBrowser,
  input: { site: string; url: string; events: readonly string[]; description?: string },
): Promise<{ id: string; secret: string; html: string }> {
  const page = await getPage(running, browser, '/admin/webhooks');
  assert.equal(page.status, 200, page.html.slice(0, 300));
  const response = await postFields(running, browser, '/admin/webhooks', [
    ['_csrf', inputValue(page.html, '_csrf')],
    ['site', input.site],
    ['url', input.url],
    ...input.events.map((event): [string, string] => ['events', event]),
    ['description', input.description ?? ''],
  ]);
  const html = await response.text();
  assert.equal(response.status, 200, html.slice(0, 500));
  const secret = secretIn(html);
  const id = subscriptionIdOf(html, input.url);
  assert.ok(secret && id, 'the page shows the new webhook and its secret');
  return { id, secret, html };
}
