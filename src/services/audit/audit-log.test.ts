import assert from 'node:assert/strict';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Store } from '../../store/port.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { auditCsvRow, csvField } from './audit-csv.ts';
import { createAuditLog } from './audit-log.ts';

describe('the audit log', () => {
  let store: Store;
  let audit: ReturnType<typeof createAuditLog>;
  const today = new Date().toISOString().slice(0, 10);
  const ctx = { state: { requestId: 'req-12345678' }, ip: '192.0.2.7', get: () => 'test-agent' } as never;

  beforeAll(async () => {
    store = createSqliteStore({ path: ':memory:' });
    audit = createAuditLog({ logger: pino({ level: 'silent' }), store });
    for (let i = 0; i < 1200; i += 1) {
      await audit.record(ctx, { action: 'sign_in', outcome: i % 2 ? 'ok' : 'invalid', site: i % 3 ? 'NORTH' : 'SOUTH', username: `user${i}` });
    }
    await audit.record(ctx, { action: 'admin.client.register', outcome: 'ok', actor: 'gina@NORTH', detail: { client: 'web' } });
  });
  afterAll(() => store.close());

  it('stores every event with when, where from and who acted, newest first', async () => {
    const { events, more } = await audit.query({ scope: { allSites: true }, from: today, to: today }, 5);
    assert.equal(events.length, 5);
    assert.equal(more, true);
    assert.equal(events[0]!.action, 'admin.client.register');
    assert.equal(events[0]!.actor, 'gina@NORTH');
    assert.equal(events[0]!.ip, '192.0.2.7');
    assert.equal(events[0]!.requestId, 'req-12345678');
    assert.equal(events[1]!.username, 'user1199');
  });

  it('a site admin reads only their sites (and never events without a site), merged by time', async () => {
    const all: string[] = [];
    for await (const event of audit.events({ scope: { allSites: false, sites: ['SOUTH'] }, from: today, to: today }, 10_000)) all.push(event.site ?? '-');
    assert.equal(all.length, 400);
    assert.ok(all.every((site) => site === 'SOUTH'));
    const both: string[] = [];
    for await (const event of audit.events({ scope: { allSites: false, sites: ['NORTH', 'SOUTH'] }, from: today, to: today }, 10_000)) both.push(event.at);
    assert.equal(both.length, 1200);
    assert.deepEqual(both, [...both].sort().reverse(), 'newest first across both lists');
    const asked = await audit.query({ scope: { allSites: false, sites: ['NORTH'] }, site: 'SOUTH', from: today, to: today }, 10);
    assert.equal(asked.events.length, 0, 'a site filter outside the scope finds nothing');
  });

  it('filters by user (substring of user name, actor or account), action prefix and days', async () => {
    const user = await audit.query({ scope: { allSites: true }, user: 'USER119', from: today, to: today }, 100);
    assert.deepEqual(user.events.map((event) => event.username).sort(), ['user119', ...Array.from({ length: 10 }, (_, i) => `user119${i}`)].sort());
    const admin = await audit.query({ scope: { allSites: true }, action: 'admin.', from: today, to: today }, 100);
    assert.equal(admin.events.length, 1);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    assert.equal((await audit.query({ scope: { allSites: true }, from: yesterday, to: yesterday }, 10)).events.length, 0);
  });

  it('exports CSV with spreadsheet formulas made inert', () => {
    assert.equal(csvField('=1+1'), "'=1+1");
    assert.equal(csvField('-2'), "'-2");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('a,"b"'), '"a,""b"""');
    assert.equal(csvField(undefined), '');
    const row = auditCsvRow({ id: 'x', at: '2025-01-01T00:00:00.000Z', action: 'sign_in', outcome: 'ok', username: '+cmd', detail: { a: 1 } });
    assert.equal(row, `2025-01-01T00:00:00.000Z,sign_in,ok,,'+cmd,,,,,"{""a"":1}"\r\n`);
  });

  it("a store outage loses the stored copy, never the caller's request", async () => {
    const broken = createAuditLog({ logger: pino({ level: 'silent' }), store: { ...store, appendToList: () => Promise.reject(new Error('down')) } });
    await broken.record(undefined, { action: 'sign_in', outcome: 'ok' });
  });
});
