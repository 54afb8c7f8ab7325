import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { consoleSignIn, getPage, makeAdmin } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { allInvitations, uploadCsv } from './support.ts';

const sites = [
  { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signUp: { mode: 'invitation' } },
  { id: 'OTHER', displayName: 'Other site', directory: { kind: 'local' } },
];

describe('invitations from a CSV upload: all or nothing, problems by line', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  const admin = new FormBrowser();
  const siteAdmin = new FormBrowser();
  let csrf: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startAdmit({ config: { sites, mail: { transport: smtp.url } } });
    await consoleSignIn(running, admin, await makeAdmin(running, { site: 'DEMO', username: 'gina', adminSites: ['*'], email: 'gina@admins.test' }));
    await consoleSignIn(running, siteAdmin, await makeAdmin(running, { site: 'OTHER', username: 'otto', adminSites: ['OTHER'] }));
    csrf = inputValue((await getPage(running, admin, '/admin/invitations')).html, '_csrf');
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  const invitationsOf = async () => allInvitations(running, ['DEMO']);

  it('imports nothing from a file with bad rows, and names each bad line (an existing member too)', async () => {
    const csv = 'email,name,role,groups\nann@example.com,Ann,user,partners\nnot-an-email,X,user,\nbob@example.com,Bob,owner,\ngina@admins.test,Gina,user,\n';
    const { status, html } = await uploadCsv(running, admin, { _csrf: csrf, site: 'DEMO', days: '' }, { name: 'people.csv', content: csv });
    assert.equal(status, 400);
    assert.match(html, /Nothing was imported/);
    assert.match(html, /Line 3: &#34;not-an-email&#34; is not an email address/);
    assert.match(html, /Line 4: role &#34;owner&#34;/);
    assert.match(html, /Line 5: gina@admins.test already has an account in this site/);
    assert.doesNotMatch(html, /Line 2:/);
    assert.equal((await invitationsOf()).length, 0);
    assert.equal(smtp.received.length, 0, 'no email went out');
  });

  it('imports every row of a good file and mails each person', async () => {
    const csv = 'email,name,role,groups\r\nann@example.com,"Ann, A.",user,partners;billing\r\nbea@example.com,Bea,site-admin,\r\n';
    const { status, html } = await uploadCsv(running, admin, { _csrf: csrf, site: 'DEMO', days: '3' }, { name: 'people.csv', content: csv });
    assert.equal(status, 200, html.slice(0, 500));
    assert.match(html, /Imported 2 invitations/);
    const invitations = await invitationsOf();
    assert.deepEqual(invitations.map((invitation) => invitation.email).sort(), ['ann@example.com', 'bea@example.com']);
    const ann = invitations.find((invitation) => invitation.email === 'ann@example.com')!;
    assert.deepEqual(ann.groups, ['partners', 'billing']);
    assert.equal(ann.days, 3);
    await smtp.waitFor((mail) => mail.to.includes('ann@example.com'));
    await smtp.waitFor((mail) => mail.to.includes('bea@example.com'));
  });

  it('refuses the same file again (open invitations), line by line', async () => {
    const { status, html } = await uploadCsv(
      running,
      admin,
      { _csrf: csrf, site: 'DEMO', days: '' },
      { name: 'people.csv', content: 'email\nann@example.com\ncid@example.com\n' },
    );
    assert.equal(status, 400);
    assert.match(html, /Line 2: ann@example.com already has an open invitation/);
    assert.equal((await invitationsOf()).length, 2, 'cid was not invited either');
  });

  it('refuses an upload without the CSRF token, for a site the admin does not hold, not UTF-8, or too large', async () => {
    assert.equal((await uploadCsv(running, admin, { site: 'DEMO' }, { name: 'p.csv', content: 'email\nx@example.com\n' })).status, 403);
    const otherCsrf = inputValue((await getPage(running, siteAdmin, '/admin/invitations')).html, '_csrf');
    const foreign = await uploadCsv(running, siteAdmin, { _csrf: otherCsrf, site: 'DEMO' }, { name: 'p.csv', content: 'email\nx@example.com\n' });
    assert.equal(foreign.status, 400);
    assert.match(foreign.html, /Choose one of your sites/);
    const binary = await uploadCsv(running, admin, { _csrf: csrf, site: 'DEMO' }, { name: 'p.csv', content: 'email\n\0\uFFFD\n' });
    assert.match(binary.html, /not UTF-8 text/);
    const huge = await uploadCsv(running, admin, { _csrf: csrf, site: 'DEMO' }, { name: 'p.csv', content: `email\n${'y'.repeat(300 * 1024)}\n` });
    assert.equal(huge.status, 413);
    assert.equal((await invitationsOf()).length, 2);
  });
});
