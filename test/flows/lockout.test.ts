import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { consoleSignIn, getPage, makeAdmin, postForm } from '../admin/console-support.ts';
import { rpClient, sendDetails, signInAtRp, verifyEmail } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

/**
 * Issue 13, item 1: look-alike user names (`ｂob` for `bob`) had counters of
 * their own, so a locked user signed in with another spelling and guesses
 * through spellings were all checked. And a fixed window let a burst at its
 * end and another at the next window's start both through.
 */
const limits = { maxFailedAttempts: 5, failureWindowSeconds: 900, maxAttemptsPerIp: 100_000, changePasswordAtFirstSignIn: false };
const WINDOW = 10;

describe('the lockout: one counter per person, whatever the spelling, and no double burst at a window edge', () => {
  let slapd: RunningSlapd;
  let smtp: TestSmtpServer;
  let running: RunningAdmit;
  const local = (username: string) => `${username}-Local-Pass-99`;

  beforeAll(async () => {
    [slapd, smtp] = await Promise.all([startSlapd(), startSmtpServer()]);
    // The directory's own lockout (ppolicy locks after 3 failures) would hide admit's: these users have none.
    await slapd.ldif(
      [
        `dn: cn=nolock,ou=policies,${slapd.baseDn}\nobjectClass: organizationalRole\nobjectClass: pwdPolicy\ncn: nolock\npwdAttribute: userPassword\npwdLockout: FALSE\n`,
        ...['bob', 'carol', 'grace'].map(
          (uid) =>
            `dn: uid=${uid},ou=people,${slapd.baseDn}\nchangetype: modify\nreplace: pwdPolicySubentry\npwdPolicySubentry: cn=nolock,ou=policies,${slapd.baseDn}\n`,
        ),
      ].join('\n'),
    );
    running = await startAdmit({
      config: {
        clients: [rpClient],
        mail: { transport: smtp.url },
        sites: [
          { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: limits },
          { id: 'JOIN', displayName: 'Join', directory: { kind: 'local' }, signIn: limits, signUp: { mode: 'approval' } },
          { id: 'ACME', displayName: 'Acme', directory: directoryFor(slapd), signIn: limits },
          // uid or mail: two spellings the directory itself tells apart, one account.
          {
            id: 'ALIAS',
            displayName: 'Alias',
            directory: directoryFor(slapd, { userFilter: '(&(objectClass=inetOrgPerson)(|(uid={username})(mail={username})))' }),
            signIn: limits,
          },
          { id: 'EDGE', displayName: 'Edge', directory: { kind: 'local' }, signIn: { ...limits, failureWindowSeconds: WINDOW } },
        ],
      },
    });
    for (const site of ['DEMO', 'EDGE', 'JOIN']) {
      const directory = createLocalDirectory({ store: running.admit.store, siteId: site });
      for (const username of ['bob', 'carol', 'uma', 'erin'])
        await directory.addUser({ username, password: local(username), email: `${username}@example.com` });
    }
  });
  afterAll(async () => {
    await running?.stop();
    await slapd?.stop();
    await smtp?.stop();
  });

  const signIn = (site: string, username: string, password: string) => signInAtRp(running, new FormBrowser(), { username, password, site });
  const rightPassword = (site: string, username: string) => (site === 'DEMO' || site === 'EDGE' ? local(username) : seedPassword(username));

  for (const site of ['DEMO', 'ACME']) {
    it(`${site}: a user name locked with 6 wrong passwords stays locked under its look-alike spellings`, async () => {
      const statuses = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await signIn(site, 'bob', 'wrong-password')).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
      for (const spelling of ['ｂob', 'ＢＯＢ', 'Bob', ' bob ', 'bob']) {
        const refused = await signIn(site, spelling, rightPassword(site, 'bob'));
        assert.equal(refused.status, 429, `${JSON.stringify(spelling)} with the right password: ${refused.url.href}`);
        assert.match(refused.html, /Too many sign-in attempts/);
      }
    });

    it(`${site}: 35 wrong guesses through look-alike spellings: only the limit reaches the password check`, async () => {
      const spellings = ['carol', 'Carol', 'CAROL', 'ｃarol', 'ｃａｒｏｌ', 'ＣＡＲＯＬ', 'caroｌ', 'cArol', '\u3000carol', 'carol\u00a0', 'ｃaroL'];
      const statuses = [];
      for (let i = 0; i < 35; i += 1) statuses.push((await signIn(site, spellings[i % spellings.length]!, `wrong-${i}`)).status);
      assert.equal(statuses.filter((status) => status === 401).length, 5, `checked against the password: ${statuses}`);
      assert.equal(statuses.filter((status) => status === 429).length, 30);
    });
  }

  it("LDAP: after the bind the account's counter counts: a locked uid is refused through its mail address", async () => {
    for (let i = 0; i < 5; i += 1) assert.equal((await signIn('ALIAS', 'grace', 'wrong-password')).status, 401);
    const viaMail = await signIn('ALIAS', 'grace@example.test', seedPassword('grace'));
    assert.equal(viaMail.status, 429, 'the right password under another name of a locked account');
    assert.equal((await signIn('ALIAS', 'grace', seedPassword('grace'))).status, 429);
  });

  it('refuses control, bidi and unassigned characters in a user name with a clear message, and counts nothing', async () => {
    for (const username of ['erin\u202e', '\u200eerin', 'er\u200bin', 'erin\u0000', 'erin\u0378', 'erin\ue000']) {
      for (let i = 0; i < 3; i += 1) {
        const refused = await signIn('DEMO', username, 'wrong-password');
        assert.equal(refused.status, 400, JSON.stringify(username));
        assert.match(refused.html, /User Name contains characters that are not allowed/);
      }
    }
    // Eighteen refusals later, erin's own count is untouched.
    assert.ok((await signIn('DEMO', 'erin', local('erin'))).url.searchParams.get('code'));
  });

  it('registration: a look-alike of a taken user name is a duplicate, and a control character is refused; nothing is written', async () => {
    const fields = { name: 'New Person', organisation: 'Example', reason: 'testing', password: 'Fresh#Pass-2026-x', confirmPassword: 'Fresh#Pass-2026-x' };
    const browser = new FormBrowser();
    let details = await verifyEmail(running, smtp, browser, 'JOIN', 'newcomer@example.com');
    for (const username of ['ｂob', 'ＢＯＢ', ' Bob']) {
      const { response } = await sendDetails(running, browser, details, { ...fields, username });
      assert.equal(response.status, 409, JSON.stringify(username));
      details = await response.text();
      assert.match(details, /This user name is taken/);
    }
    for (const username of ['new\u202ebie', 'new\u200bbie', 'newbie\u0378']) {
      const { response } = await sendDetails(running, browser, details, { ...fields, username });
      assert.equal(response.status, 400, JSON.stringify(username));
      details = await response.text();
      assert.match(details, /User Name contains characters that are not allowed/);
    }
    const accounts = await createAccountService({ store: running.admit.store }).listBySite('JOIN');
    assert.ok(!accounts.some((account) => account.email === 'newcomer@example.com'), 'no account was made');
    assert.equal(await createLocalDirectory({ store: running.admit.store, siteId: 'JOIN' }).findUser('newbie'), undefined);
  });

  it('admin unlock clears what the sign-in counts, whichever spelling locked it', async () => {
    assert.ok((await signIn('DEMO', 'uma', local('uma'))).url.searchParams.get('code'), 'uma has an account');
    for (const spelling of ['ｕma', 'UMA', 'ｕｍａ', 'Uma', 'uma', 'ＵＭＡ']) await signIn('DEMO', spelling, 'wrong-password');
    assert.equal((await signIn('DEMO', 'uma', local('uma'))).status, 429);
    const admin = new FormBrowser();
    await consoleSignIn(running, admin, await makeAdmin(running, { site: 'DEMO', username: 'gina', adminSites: ['*'] }));
    const uma = await createAccountService({ store: running.admit.store }).findByUsername('DEMO', 'uma');
    const page = await getPage(running, admin, `/admin/users/${uma!.id}`);
    const { url } = await postForm(running, admin, page.html, `/admin/users/${uma!.id}/unlock`);
    assert.equal(url.searchParams.get('notice'), 'unlocked');
    assert.ok((await signIn('DEMO', 'ｕma', local('uma'))).url.searchParams.get('code'), 'signed in after the unlock');
  });

  it('Reset Password starts count per person too: 10 through look-alike spellings, then 429; a bidi control is refused', async () => {
    const start = async (username: string) => {
      const http = new FormBrowser();
      const page = await (await http.request(`${running.issuer}/portal/reset`)).text();
      return http.request(`${running.issuer}/portal/reset`, { form: { _csrf: inputValue(page, '_csrf'), username, site: 'DEMO' } });
    };
    const spellings = ['erin', 'ｅrin', 'ERIN', 'Ｅｒｉｎ', ' erin'];
    const statuses = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await start(spellings[i % spellings.length]!)).status);
    assert.deepEqual(statuses, [...Array(10).fill(303), 429, 429]);
    const bidi = await start('er\u202ein');
    assert.equal(bidi.status, 400);
    assert.match(await bidi.text(), /User Name contains characters that are not allowed/);
  });

  it('no double burst at a window edge: the limit at the end of one window and at the start of the next are not all checked', async () => {
    // Start at the beginning of a window: the next window's start is then WINDOW seconds after the first guess.
    const intoWindow = () => (Date.now() / 1000) % WINDOW;
    await sleep(((WINDOW - intoWindow()) % WINDOW) * 1000 + 100);
    const statuses: number[] = [];
    statuses.push((await signIn('EDGE', 'carol', 'wrong-first')).status);
    // The rest of the limit at the window's end…
    await sleep(Math.max(0, WINDOW - 1.2 - intoWindow()) * 1000);
    for (let i = 0; i < 4; i += 1) statuses.push((await signIn('EDGE', 'carol', `wrong-end-${i}`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401], 'the limit, spent');
    // …and as many again just after the edge.
    const toEdge = WINDOW - intoWindow();
    if (toEdge < WINDOW / 2) await sleep((toEdge + 0.5) * 1000);
    const after = [];
    for (let i = 0; i < 5; i += 1) after.push((await signIn('EDGE', 'carol', `wrong-start-${i}`)).status);
    assert.equal(after.filter((status) => status === 401).length, 0, `checked just after the edge: ${after}`);
    assert.equal((await signIn('EDGE', 'carol', local('carol'))).status, 429, 'still locked with the right password');
  });
});
