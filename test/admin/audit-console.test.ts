import assert from 'node:assert/strict';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAuditLog } from '../../src/services/audit/audit-log.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { consoleSignIn, getPage, makeAdmin } from './console-support.ts';

const sites = ['NORTH', 'SOUTH'].map((id) => ({ id, displayName: `${id} site`, directory: { kind: 'local' }, signUp: { mode: 'invitation' } }));

describe('the console audit log: filters, paging, streamed export, site scope', () => {
  let running: RunningAdmit;
  const north = new FormBrowser();
  const global = new FormBrowser();

  beforeAll(async () => {
    running = await startAdmit({ config: { sites, audit: { retentionDays: 90 } } });
    const audit = createAuditLog({ logger: pino({ level: 'silent' }), store: running.admit.store, retentionDays: 90 });
    for (let i = 0; i < 3000; i += 1)
      await audit.record(undefined, {
        action: 'test.seed',
        outcome: i % 2 ? 'ok' : 'invalid',
        site: i % 3 ? 'NORTH' : 'SOUTH',
        username: i === 7 ? '=cmd|calc' : `user${i}`,
      });
    await consoleSignIn(running, north, await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH'] }), '/admin/audit');
    await consoleSignIn(running, global, await makeAdmin(running, { site: 'NORTH', username: 'gabe', adminSites: ['*'] }), '/admin/audit');
  }, 120_000);
  afterAll(() => running?.stop());

  it('bad dates and a bad cursor answer 400 with a sentence', async () => {
    for (const [query, sentence] of [
      ['from=2025-13-45', /From: that is not a date in the calendar/],
      ['to=yesterday', /To: enter a date as YYYY-MM-DD/],
      ['from=2025-02-01&to=2025-01-01', /From must be on or before To/],
      ['after=%%%', /That page link is not valid any more/],
    ] as const) {
      const page = await getPage(running, north, `/admin/audit?${query}`);
      assert.equal(page.status, 400, query);
      assert.match(page.html, sentence);
    }
    const { response } = await north.follow(`${running.issuer}/admin/audit.csv?from=nope`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /From: enter a date/);
  });

  it("a site admin sees only their sites' events, 100 a page by cursor", async () => {
    const seen = new Set<string>();
    let path: string | undefined = '/admin/audit?user=&site=&action=test.seed';
    let pages = 0;
    while (path) {
      const page = await getPage(running, north, path);
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.html, /<td>SOUTH<\/td>/);
      for (const match of page.html.matchAll(/<td>(user\d+|=cmd\|calc)<\/td>/g)) seen.add(match[1]!);
      path = /href="(\/admin\/audit\?[^"]*after=[^"]+)" rel="next"/.exec(page.html)?.[1]?.replace(/&amp;/g, '&');
      pages += 1;
    }
    assert.equal(seen.size, 2000);
    assert.equal(pages, 20);
    const asked = await getPage(running, north, '/admin/audit?site=SOUTH');
    assert.doesNotMatch(asked.html, /<td>SOUTH<\/td>/, 'another site in the query is ignored');
  });

  it('CSV and JSON Lines exports stream every matching row (no cap), scoped to the admin, with formulas made inert', async () => {
    const count = async (browser: FormBrowser, path: string) => {
      const { response } = await browser.follow(`${running.issuer}${path}`);
      assert.equal(response.status, 200);
      let lines = 0;
      let text = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        const parts = text.split('\n');
        text = parts.pop()!;
        lines += parts.length;
      }
      return { lines, type: response.headers.get('content-type') };
    };
    const all = await count(global, '/admin/audit.csv?action=test.seed');
    assert.equal(all.lines, 3001, 'a header and 3000 rows');
    assert.match(all.type!, /text\/csv/);
    assert.equal((await count(north, '/admin/audit.jsonl?action=test.seed')).lines, 2000);
    assert.equal((await count(global, '/admin/audit.jsonl?site=SOUTH&outcome=invalid&action=test')).lines, 500);
    const { response } = await global.follow(`${running.issuer}/admin/audit.csv?user=%3Dcmd%7Ccalc`);
    assert.match(await response.text(), /,'=cmd\|calc,/);
  });
});
