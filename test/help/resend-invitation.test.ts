import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { RESEND_LIMITS } from '../../src/help/resend-requests.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { type HelpWorld, pageText, startHelpWorld } from './help-world.ts';

/**
 * "Contact … and request the email be resent" (seed 002): CSRF-checked,
 * limited per IP and per address, sent to the site's admins only, and
 * answered the same whether or not an invitation exists.
 */
describe('request the invitation email be resent', () => {
  let world: HelpWorld;
  let demoAdmin: string;
  let corpAdmin: string;
  let everyAdmin: string;
  let ip = 0;

  beforeAll(async () => {
    world = await startHelpWorld({ server: { trustProxy: true } });
    demoAdmin = await world.admin('dana', ['DEMO']);
    corpAdmin = await world.admin('cora', ['CORP']);
    everyAdmin = await world.admin('gil', ['*']);
    // An open invitation on DEMO for one address (through the service the console uses).
    const invited = await world.running.admit.approval.invitations.invite(
      { siteId: 'DEMO', email: 'invited@example.test', name: 'Ivy', role: 'user', groups: [] },
      { id: 'test', label: 'Test' },
    );
    assert.equal(invited.status, 'ok');
  });
  afterAll(async () => world?.stop());

  /** Each test its own client IP (admit trusts one proxy here), so the per-IP limit is one test's. */
  const nextIp = () => `203.0.113.${++ip}`;

  async function post(form: Record<string, string>, options: { ip: string; browser?: FormBrowser; csrf?: string }) {
    let { browser, csrf } = options;
    if (!browser) {
      browser = new FormBrowser();
      const page = await browser.request(`${world.running.issuer}/help?site=DEMO`, { headers: { 'x-forwarded-for': options.ip } });
      csrf = inputValue(await page.text(), '_csrf');
    }
    const response = await browser.request(`${world.running.issuer}/help/resend-invitation`, {
      form: { _csrf: csrf ?? '', ...form },
      headers: { 'x-forwarded-for': options.ip },
    });
    return { response, browser, csrf };
  }

  /** The resend emails an admin got about one address. */
  const mailsTo = (admin: string, about = '') =>
    world.smtp.received.filter((mail) => mail.to.includes(admin) && mail.subject.startsWith('Invitation resend requested') && mail.subject.endsWith(about));
  const quiet = () => new Promise((resolve) => setTimeout(resolve, 1500));

  it('answers an invited and an unknown address with the same redirect and the same page', async () => {
    const invited = await post({ site: 'DEMO', email: 'invited@example.test' }, { ip: nextIp() });
    const unknown = await post({ site: 'DEMO', email: 'nobody@example.test' }, { ip: nextIp() });
    for (const { response } of [invited, unknown]) {
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/help?site=DEMO&sent=1#resend');
    }
    const pages = await Promise.all(
      [invited, unknown].map(async ({ browser }) => {
        const html = await (await browser.request(`${world.running.issuer}/help?site=DEMO&sent=1`)).text();
        // The CSRF token differs per browser; everything else a person sees is the same.
        return pageText(html.replace(/name="_csrf" value="[^"]*"/g, ''));
      }),
    );
    assert.equal(pages[0], pages[1]);
    assert.match(pages[0]!, /Thank you\. Your request was passed on/);
  });

  it("the site's admins get exactly one email per allowed request, saying what admit knows; another site's admins none", async () => {
    await post({ site: 'DEMO', email: 'Invited@Example.test' }, { ip: nextIp() });
    const about = ': invited@example.test';
    await world.smtp.waitFor(() => mailsTo(demoAdmin, about).length >= 2 && mailsTo(everyAdmin, about).length >= 2, 10_000);
    await quiet();
    // Two allowed requests for this address so far (the test above and this one): two emails each.
    assert.equal(mailsTo(demoAdmin, about).length, 2);
    assert.equal(mailsTo(everyAdmin, about).length, 2, 'a global admin is an admin of every site');
    assert.equal(mailsTo(corpAdmin).length, 0, "another site's admin is not told");
    const mail = mailsTo(demoAdmin, about).at(-1)!;
    assert.match(mail.subject, /^Invitation resend requested for DEMO: invited@example\.test$/);
    assert.match(mail.text, /An open invitation exists for this address/);
    assert.match(mail.text, /\/admin\/invitations/);
    assert.doesNotMatch(mail.text, /<%|undefined/);
  });

  it('an unknown address reaches the admins too, marked as having no invitation', async () => {
    await post({ site: 'DEMO', email: 'stranger@example.test' }, { ip: nextIp() });
    const [mail] = [await world.smtp.waitFor((m) => m.to.includes(demoAdmin) && m.subject.endsWith(': stranger@example.test'), 10_000)];
    assert.match(mail!.text, /No open invitation exists for this address/);
  });

  it(`over ${RESEND_LIMITS.perAddressPerHour} requests per address an hour: the same friendly answer, no more email`, async () => {
    const address = 'limited@example.test';
    const answers: (string | null)[] = [];
    for (let i = 0; i < RESEND_LIMITS.perAddressPerHour + 2; i += 1) {
      const { response } = await post({ site: 'DEMO', email: address }, { ip: nextIp() });
      answers.push(`${response.status} ${response.headers.get('location')}`);
    }
    assert.deepEqual(new Set(answers), new Set(['303 /help?site=DEMO&sent=1#resend']));
    await world.smtp.waitFor(() => mailsTo(demoAdmin, address).length >= RESEND_LIMITS.perAddressPerHour, 10_000);
    await quiet();
    assert.equal(mailsTo(demoAdmin, address).length, RESEND_LIMITS.perAddressPerHour);
  });

  it(`over ${RESEND_LIMITS.perIpPerHour} requests from one IP an hour (any addresses): the same answer, nothing sent`, async () => {
    const from = nextIp();
    for (let i = 0; i < RESEND_LIMITS.perIpPerHour + 3; i += 1) {
      const { response } = await post({ site: 'DEMO', email: `spray${i}@example.test` }, { ip: from });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/help?site=DEMO&sent=1#resend');
    }
    const sprayed = () => mailsTo(demoAdmin).filter((mail) => /: spray\d+@example\.test$/.test(mail.subject)).length;
    await world.smtp.waitFor(() => sprayed() >= RESEND_LIMITS.perIpPerHour, 10_000);
    await quiet();
    assert.equal(sprayed(), RESEND_LIMITS.perIpPerHour);
  });

  it("refuses a post without the CSRF token or with another browser's (403), and sends nothing", async () => {
    const missing = await post({ site: 'DEMO', email: 'csrf@example.test' }, { ip: nextIp(), browser: new FormBrowser(), csrf: '' });
    assert.equal(missing.response.status, 403);
    const other = await post({ site: 'DEMO', email: 'csrf@example.test' }, { ip: nextIp() });
    const forged = await post({ site: 'DEMO', email: 'csrf@example.test' }, { ip: nextIp(), browser: new FormBrowser(), csrf: other.csrf });
    assert.equal(forged.response.status, 403);
    await quiet();
    assert.equal(mailsTo(demoAdmin, 'csrf@example.test').length, 1, 'only the genuine post');
  });

  it('bad input: a clear message on the page, the address kept, nothing sent', async () => {
    const before = world.smtp.received.length;
    const bad = await post({ site: 'DEMO', email: 'not-an-address' }, { ip: nextIp() });
    assert.equal(bad.response.status, 400);
    const html = await bad.response.text();
    assert.match(pageText(html), /Enter the email address the invitation was sent to\./);
    assert.match(html, /value="not-an-address"/);
    const noSite = await post({ site: 'NOPE', email: 'x@example.test' }, { ip: nextIp() });
    assert.equal(noSite.response.status, 400);
    assert.match(pageText(await noSite.response.text()), /Select your client site in "Log on to"\./);
    const huge = await post({ site: 'DEMO', email: `${'a'.repeat(5000)}@example.test` }, { ip: nextIp() });
    assert.ok([400, 413].includes(huge.response.status), String(huge.response.status));
    await quiet();
    assert.equal(world.smtp.received.length, before);
  });

  it('parallel requests for one address: at most the limit get through', async () => {
    const address = 'race@example.test';
    await Promise.all(Array.from({ length: 8 }, () => post({ site: 'DEMO', email: address }, { ip: nextIp() })));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const sent = mailsTo(demoAdmin, address).length;
    assert.ok(sent <= RESEND_LIMITS.perAddressPerHour, `${sent} emails`);
  });
});
