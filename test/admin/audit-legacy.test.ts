import assert from 'node:assert/strict';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { StoredAuditEvent } from '../../src/services/audit/audit-event.ts';
import { legacyDayListKey, legacySiteDayListKey, migrateLegacyAudit } from '../../src/services/audit/audit-legacy.ts';
import { createAuditQuery } from '../../src/services/audit/audit-query.ts';
import { type Store, storeKey } from '../../src/store/port.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { consoleSignIn, getPage, makeAdmin } from './console-support.ts';

const DAY_MS = 86_400_000;
const RETENTION = 30;
const sites = ['NORTH', 'SOUTH'].map((id) => ({ id, displayName: `${id} site`, directory: { kind: 'local' }, signUp: { mode: 'invitation' } }));
const dayAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);
const progressKey = (day: string) => storeKey('audit-ix', `*:${day}`, 'legacy-progress');

/** Appends events the way versions before the per-day indexes did: to the day's list and to the site's day list. */
async function writeOld(store: Store, day: string, events: Partial<StoredAuditEvent>[]): Promise<void> {
  for (const [i, event] of events.entries()) {
    const stored = {
      id: `old-${day}-${i}`,
      at: `${day}T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`,
      action: 'legacy.test',
      outcome: 'ok',
      ...event,
    };
    const line = JSON.stringify(stored);
    await store.appendToList(legacyDayListKey(day), line);
    if (stored.site) await store.appendToList(legacySiteDayListKey(stored.site, day), line);
  }
}

const cells = (html: string, pattern: RegExp) => [...html.matchAll(pattern)].map((match) => match[1]!);

let redis: RunningRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe.each(['sqlite', 'redis'])('audit events written before the per-day indexes (%s) show in the console after start-up', (backend) => {
  let running: RunningAdmit;
  const north = new FormBrowser();
  const global = new FormBrowser();

  beforeAll(async () => {
    running = await startAdmit({ config: { sites, audit: { retentionDays: RETENTION } }, ...(backend === 'redis' ? { store: redis.url } : {}) });
    const { store } = running.admit;
    await writeOld(store, dayAgo(0), [
      { site: 'NORTH', username: 'olga', action: 'sign_in', outcome: 'ok' },
      { site: 'NORTH', username: 'olga', action: 'sign_in', outcome: 'invalid' },
      { site: 'SOUTH', username: 'sven', action: 'sign_in', outcome: 'ok' },
      { actor: 'cli', action: 'admin.keys.rotate', outcome: 'ok' },
      { site: 'NORTH', username: 'nils', actor: 'gabe@NORTH', action: 'admin.request.approve', outcome: 'ok', detail: { request: 'r1' } },
    ]);
    // More than one batch (200) in one day.
    await writeOld(
      store,
      dayAgo(5),
      Array.from({ length: 450 }, (_, i) => ({
        site: i % 3 ? 'NORTH' : 'SOUTH',
        username: `bulk${i}`,
        action: 'legacy.bulk',
        outcome: i % 2 ? 'ok' : 'invalid',
      })),
    );
    // A day a killed start-up had copied half of: its progress says 3 events are done (they were, by the process that died).
    await writeOld(
      store,
      dayAgo(2),
      Array.from({ length: 6 }, (_, i) => ({ site: 'NORTH', username: `half${i}`, action: 'legacy.half' })),
    );
    await store.set(progressKey(dayAgo(2)), JSON.stringify({ next: 3, sites: ['NORTH'] }));
    // Past the retention: skipped, and its list left as it is.
    await writeOld(store, dayAgo(RETENTION + 5), [{ site: 'NORTH', username: 'ancient', action: 'legacy.old' }]);
    // A store an older version wrote has no "migrated" marker (this test's first start found no old lists and set it).
    await store.delete(storeKey('audit-legacy', 'migrated'));
    await running.restart();
    await consoleSignIn(running, north, await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH'] }), '/admin/audit');
    await consoleSignIn(running, global, await makeAdmin(running, { site: 'NORTH', username: 'gabe', adminSites: ['*'] }), '/admin/audit');
  }, 120_000);
  afterAll(() => running?.stop());

  it("today's old events are on the console's first page, with their columns, a site admin seeing only their sites'", async () => {
    const all = await getPage(running, global, '/admin/audit?action=sign_in');
    assert.equal(all.status, 200);
    assert.deepEqual(cells(all.html, /<td>(olga|sven)<\/td>/g), ['sven', 'olga', 'olga'], 'newest first');
    const everything = await getPage(running, global, '/admin/audit?action=admin');
    assert.match(everything.html, /admin\.keys\.rotate/);
    assert.match(everything.html, /<td>gabe@NORTH<\/td>/);
    assert.match(everything.html, /request=r1/);
    const mine = await getPage(running, north, '/admin/audit?action=sign_in');
    assert.deepEqual(cells(mine.html, /<td>(olga|sven)<\/td>/g), ['olga', 'olga']);
    assert.doesNotMatch(mine.html, /admin\.keys\.rotate/, 'an event of no site is for global admins');
    const refused = await getPage(running, north, '/admin/audit?user=olga&outcome=invalid');
    assert.equal(cells(refused.html, /<td>(olga)<\/td>/g).length, 1, 'the user and outcome indexes were written too');
  });

  it('a day of 450 old events: every one, paged 100 at a time, and in the site scope', async () => {
    const from = dayAgo(5);
    const seen = new Set<string>();
    for (let path: string | undefined = `/admin/audit?action=legacy.bulk&from=${from}&to=${from}`; path; ) {
      const page = await getPage(running, global, path);
      for (const name of cells(page.html, /<td>(bulk\d+)<\/td>/g)) seen.add(name);
      path = /href="(\/admin\/audit\?[^"]*after=[^"]+)" rel="next"/.exec(page.html)?.[1]?.replace(/&amp;/g, '&');
    }
    assert.equal(seen.size, 450);
    const events = [];
    for await (const event of createAuditQuery({ store: running.admit.store, retentionDays: RETENTION }).events({
      scope: { allSites: false, sites: ['SOUTH'] },
      action: 'legacy.bulk',
      from,
      to: from,
    }))
      events.push(event);
    assert.equal(events.length, 150);
  });

  it('resumes a half-copied day from its progress, skips days past the retention, and removes the lists it copied', async () => {
    const { store } = running.admit;
    const half = await getPage(running, global, `/admin/audit?action=legacy.half&from=${dayAgo(2)}&to=${dayAgo(2)}`);
    assert.deepEqual(cells(half.html, /<td>(half\d)<\/td>/g), ['half5', 'half4', 'half3']);
    const old = await getPage(running, global, `/admin/audit?from=${dayAgo(RETENTION)}&user=ancient`);
    assert.doesNotMatch(old.html, /<td>ancient<\/td>/);
    assert.match(old.html, /No events match/);
    assert.equal(await store.listLength(legacyDayListKey(dayAgo(RETENTION + 5))), 1, 'a day past the retention is left alone');
    for (const day of [dayAgo(0), dayAgo(2), dayAgo(5)]) {
      assert.equal(await store.listLength(legacyDayListKey(day)), 0, day);
      assert.equal(await store.listLength(legacySiteDayListKey('NORTH', day)), 0, day);
    }
  });

  it('once: a later start reads one key; run again by hand it copies a day in listRange batches of 200, never a whole list', async () => {
    const { store } = running.admit;
    const log = pino({ level: 'silent' });
    assert.deepEqual(await migrateLegacyAudit({ store, retentionDays: RETENTION, log }), { days: 0, events: 0 });
    await store.delete(storeKey('audit-legacy', 'migrated'));
    const day = dayAgo(1);
    await writeOld(
      store,
      day,
      Array.from({ length: 410 }, (_, i) => ({ site: 'SOUTH', username: `again${i}` })),
    );
    const counts: number[] = [];
    const spy: Store = { ...store, listRange: (key, start, count) => (counts.push(count), store.listRange(key, start, count)) };
    assert.deepEqual(await migrateLegacyAudit({ store: spy, retentionDays: RETENTION, log }), { days: 1, events: 410 });
    assert.deepEqual(counts, [200, 200, 200]);
    const events = [];
    for await (const event of createAuditQuery({ store: running.admit.store, retentionDays: RETENTION }).events({
      scope: { allSites: true },
      from: day,
      to: day,
    }))
      events.push(event);
    assert.equal(events.length, 410);
  });
});
