import assert from 'node:assert/strict';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAuditLog } from '../../src/services/audit/audit-log.ts';
import { rpClient } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { consoleSignIn, getPage, makeAdmin, postForm } from './console-support.ts';
import { dashboardSites, figure, REJECTED, type Seeded, seedDashboard, siteRow } from './dashboard-support.ts';

/** Today's row of the chart's table: [day, sign-ins, failures]. */
const todayRow = (html: string) => {
  const rows = [...html.matchAll(/<tr><th scope="row">([^<]+)<\/th><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g)];
  assert.equal(rows.length, 14, 'fourteen days in the table');
  return rows.at(-1)!.slice(1, 4);
};

describe('the console dashboard: figures from counters and indexes, per site and role', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  let seeded: Seeded;
  const global = new FormBrowser();
  const north = new FormBrowser();
  const south = new FormBrowser();

  beforeAll(async () => {
    smtp = await startSmtpServer({ rejects: new Set([REJECTED]) });
    running = await startAdmit({
      config: { sites: dashboardSites, clients: [rpClient], mail: { transport: smtp.url }, outbox: { maxAttempts: 1, pollMs: 100 } },
    });
    const admins = [
      await makeAdmin(running, { site: 'HQ', username: 'gina', adminSites: ['*'] }),
      await makeAdmin(running, { site: 'HQ', username: 'nora', adminSites: ['NORTH'] }),
      await makeAdmin(running, { site: 'HQ', username: 'sven', adminSites: ['SOUTH'] }),
    ];
    seeded = await seedDashboard(running);
    await consoleSignIn(running, global, admins[0]!, '/admin');
    await consoleSignIn(running, north, admins[1]!, '/admin');
    await consoleSignIn(running, south, admins[2]!, '/admin');
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  it("is the console's home: /admin shows the dashboard, and the navigation marks it", async () => {
    const page = await getPage(running, north, '/admin');
    assert.equal(page.status, 200);
    assert.equal(page.url.pathname, '/admin');
    assert.match(page.html, /<h1>Dashboard<\/h1>/);
    assert.match(page.html, /<a href="\/admin" aria-current="page">Dashboard<\/a>/);
  });

  it("a site admin of NORTH sees NORTH's figures and none of SOUTH's", async () => {
    const { html } = await getPage(running, north, '/admin');
    assert.equal(figure(html, 'pending'), '2');
    assert.equal(figure(html, 'overdue'), '1 overdue');
    assert.equal(figure(html, 'locked'), '1');
    assert.match(html, new RegExp(`href="/admin/users/${seeded.lara.id}">lara</a>`), 'the locked account links to its page');
    assert.equal(figure(html, 'enrolled'), '1', 'uma with two devices counts once');
    assert.equal(figure(html, 'failed'), '1');
    assert.match(html, new RegExp(`request-received to ${REJECTED}`));
    assert.deepEqual(todayRow(html).slice(1), ['2', '3']);
    assert.deepEqual(siteRow(html, 'NORTH'), ['NORTH North partners', '2', '1', '1', '1', '2', '3']);
    assert.equal(siteRow(html, 'SOUTH'), undefined);
    assert.equal(siteRow(html, 'HQ'), undefined);
    assert.doesNotMatch(html, /\bsam\b|p3@south|South partners/);
  });

  it("a site admin of SOUTH sees SOUTH only: sam's reset MFA no longer counts, nothing locked or failed", async () => {
    const { html } = await getPage(running, south, '/admin');
    assert.equal(figure(html, 'pending'), '1');
    assert.equal(figure(html, 'overdue'), '0 overdue');
    assert.equal(figure(html, 'locked'), '0');
    assert.equal(figure(html, 'enrolled'), '0');
    assert.equal(figure(html, 'failed'), '0');
    assert.deepEqual(todayRow(html).slice(1), ['1', '1']);
    assert.deepEqual(siteRow(html, 'SOUTH'), ['SOUTH South partners', '1', '0', '0', '0', '1', '1']);
    assert.equal(siteRow(html, 'NORTH'), undefined);
    assert.doesNotMatch(html, /lara|bounce@north|North partners/);
  });

  it('a global admin sees every site, each in its own row', async () => {
    const { html } = await getPage(running, global, '/admin');
    assert.deepEqual(siteRow(html, 'NORTH'), ['NORTH North partners', '2', '1', '1', '1', '2', '3']);
    assert.deepEqual(siteRow(html, 'SOUTH'), ['SOUTH South partners', '1', '0', '0', '0', '1', '1']);
    assert.ok(siteRow(html, 'HQ'), "the admins' own site too");
    assert.equal(figure(html, 'pending'), '3');
    assert.equal(figure(html, 'overdue'), '1 overdue');
    assert.equal(figure(html, 'failed'), '1');
    assert.match(html, /<svg class="chart"[^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"/);
    assert.match(html, /<caption>Sign-ins and failures per day<\/caption>/);
  });

  it("Unlock on lara's user page ends her lock, and the dashboard says so", async () => {
    const page = await getPage(running, north, `/admin/users/${seeded.lara.id}`);
    const { url } = await postForm(running, north, page.html, `/admin/users/${seeded.lara.id}/unlock`);
    assert.equal(url.searchParams.get('notice'), 'unlocked');
    assert.equal(figure((await getPage(running, north, '/admin')).html, 'locked'), '0');
  });

  describe('the user page', () => {
    it("shows the account's devices, sessions and audit timeline", async () => {
      const page = await getPage(running, north, `/admin/users/${seeded.uma.id}`);
      assert.equal(page.status, 200);
      assert.match(page.html, /<h2 id="devices-heading">Two-step devices<\/h2>/);
      assert.match(page.html, /Uma tablet \(default\)/);
      assert.match(page.html, /Uma spare/);
      assert.match(page.html, /<h2 id="sessions-heading">Sessions<\/h2>/);
      assert.match(
        page.html,
        /<td data-label="Verified with">Password<\/td><td data-label="Applications">rp<\/td>/,
        'her sign-ins at the application, in words',
      );
      assert.match(page.html, /<tr data-action="mfa_device_added">/);
      assert.match(page.html, /<tr data-action="sign_in"><td[^>]*>[^<]+<\/td><td[^>]*>sign_in<\/td><td[^>]*><span class="badge ok">ok<\/span>/);
    });

    it('shows a refused password on the timeline of the account it was typed for', async () => {
      const page = await getPage(running, global, `/admin/users/${seeded.lara.id}`);
      assert.equal([...page.html.matchAll(/<tr data-action="sign_in">[\s\S]*?invalid/g)].length, 3);
      assert.match(page.html, /admin\.user\.unlock/, 'and the admin action on it');
    });

    it('pages the timeline, newest first, 20 a page', async () => {
      const audit = createAuditLog({ logger: pino({ level: 'silent' }), store: running.admit.store });
      for (let n = 0; n < 25; n += 1)
        await audit.record(undefined, { action: 'profile_update', outcome: `step${n}`, site: 'NORTH', username: 'uma', accountId: seeded.uma.id });
      const first = await getPage(running, north, `/admin/users/${seeded.uma.id}`);
      const outcomes = (html: string) =>
        [...html.matchAll(/<tr data-action="[^"]+">[\s\S]*?<span class="badge[^"]*">([^<]+)<\/span>/g)].map((match) => match[1]);
      assert.deepEqual(outcomes(first.html).slice(0, 3), ['step24', 'step23', 'step22']);
      assert.equal(outcomes(first.html).length, 20);
      const older = /href="([^"]+)">Older events</.exec(first.html)![1]!.replaceAll('&amp;', '&');
      const second = await getPage(running, north, older);
      assert.deepEqual(outcomes(second.html).slice(0, 5), ['step4', 'step3', 'step2', 'step1', 'step0']);
      assert.match(second.html, />Newest events</);
      const bad = await getPage(running, north, `/admin/users/${seeded.uma.id}?before=not-a-cursor`);
      assert.equal(bad.status, 400);
      assert.match(bad.html, /not valid any more/);
    });

    it('a site admin gets "not found" for another site\'s user, page and actions alike', async () => {
      assert.equal((await getPage(running, north, `/admin/users/${seeded.sam.id}`)).status, 404);
      assert.equal((await getPage(running, south, `/admin/users/${seeded.uma.id}`)).status, 404);
      const own = await getPage(running, south, `/admin/users/${seeded.sam.id}`);
      assert.equal(own.status, 200);
      const refused = await south.request(`${running.issuer}/admin/users/${seeded.uma.id}/disable`, { form: { _csrf: inputValue(own.html, '_csrf') } });
      assert.equal(refused.status, 404);
    });

    it('its actions need the CSRF token', async () => {
      const page = await getPage(running, south, `/admin/users/${seeded.sam.id}`);
      const noToken = await south.request(`${running.issuer}/admin/users/${seeded.sam.id}/sign-out`, { form: { x: '1' } });
      assert.equal(noToken.status, 403);
      const forged = await south.request(`${running.issuer}/admin/users/${seeded.sam.id}/sign-out`, { form: { _csrf: 'forged' } });
      assert.equal(forged.status, 403);
      const { url } = await postForm(running, south, page.html, `/admin/users/${seeded.sam.id}/sign-out`);
      assert.equal(url.searchParams.get('notice'), 'signed_out');
      assert.match((await getPage(running, south, `/admin/users/${seeded.sam.id}`)).html, /Not signed in anywhere/);
    });
  });
});
