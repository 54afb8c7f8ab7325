import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { RunningAdmit } from '../support/admit-server.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { ALL, auditOf, call, makeRequest, makeUser, SITE_SCOPES, startApiAdmit, tokenFor } from './api-support.ts';

/**
 * Each console action driven through the management API, checked by its
 * effect in admit's services and by its audit entry (actor: the API client),
 * on SQLite and on Redis.
 */
function consoleActionsThroughApi(label: string, storeUrl: () => string | undefined) {
  describe(`management API drives every console action (${label})`, () => {
    let running: RunningAdmit;
    let ops: string;
    let crm: string;
    beforeAll(async () => {
      running = await startApiAdmit({ store: storeUrl() });
      [ops, crm] = await Promise.all([tokenFor(running, 'ops', ALL), tokenFor(running, 'crm-demo', SITE_SCOPES)]);
    });
    afterAll(() => running?.stop());

    it('searches users a page at a time by cursor, and reads one', async () => {
      for (const name of ['ann', 'abe', 'amy']) await makeUser(running, 'DEMO', name);
      await makeUser(running, 'OTHER', 'ada');
      const first = await call(running, crm, 'GET', '/users?q=a&field=username&limit=2');
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(
        first.body.items.map((user: { username: string }) => user.username),
        ['abe', 'amy'],
      );
      assert.ok(first.body.next_cursor);
      const second = await call(running, crm, 'GET', `/users?q=a&field=username&limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`);
      assert.deepEqual(
        second.body.items.map((user: { username: string }) => user.username),
        ['ann'],
        "DEMO's third user; OTHER's ada is not the DEMO client's",
      );
      assert.equal(second.body.next_cursor, undefined);
      const all = await call(running, ops, 'GET', '/users?q=ad&field=username');
      assert.deepEqual(
        all.body.items.map((user: { username: string; site: string }) => `${user.username}@${user.site}`),
        ['ada@OTHER'],
      );
      const one = await call(running, crm, 'GET', `/users/${first.body.items[0].id}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.username, 'abe');
      assert.equal(one.body.passwordHistory, undefined, 'only the fields the view names');
    });

    it('adds a user to a site admit manages the directory of, with its account at once', async () => {
      const created = await call(running, crm, 'POST', '/users', {
        body: { site: 'DEMO', username: 'nina', password: 'Nina#Pass2026', email: 'nina@demo.test', name: 'Nina New' },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.username, 'nina');
      assert.equal(created.body.status, 'active');
      assert.equal(created.body.lastSignInAt, undefined);
      assert.equal(created.headers.get('location'), `/api/v1/users/${created.body.id}`);
      const found = await call(running, crm, 'GET', '/users?q=nina&field=username');
      assert.deepEqual(
        found.body.items.map((user: { id: string }) => user.id),
        [created.body.id],
      );
      assert.equal((await call(running, crm, 'POST', '/users', { body: { site: 'DEMO', username: 'NINA', password: 'Other#Pass2026' } })).status, 409);
      assert.equal((await call(running, crm, 'POST', '/users', { body: { site: 'OTHER', username: 'olly', password: 'Olly#Pass2026' } })).status, 404);
      const badName = await call(running, crm, 'POST', '/users', { body: { site: 'DEMO', username: 'bid\u202eevil', password: 'Abc#Pass2026' } });
      assert.equal(badName.status, 400);
      assert.equal((await call(running, crm, 'POST', '/users', { body: { site: 'DEMO', username: 'pat', password: 'short' } })).status, 400);
      const events = await auditOf(running, 'admin.user.create');
      assert.deepEqual(events.map((event) => `${event.outcome}:${event.actor}`).sort(), ['ok:api:crm-demo', 'username_taken:api:crm-demo']);
    });

    it('disables (signing out everywhere), enables, unlocks, resets MFA, revokes browsers and signs out, each audited as the API client', async () => {
      const account = await makeUser(running, 'DEMO', 'dora');
      const disabled = await call(running, crm, 'POST', `/users/${account.id}/disable`);
      assert.equal(disabled.status, 200, disabled.text);
      assert.equal(disabled.body.user.status, 'disabled');
      assert.equal(disabled.body.detail.sessionsEnded, 0);
      assert.equal((await call(running, crm, 'GET', `/users/${account.id}`)).body.status, 'disabled');
      const enabled = await call(running, crm, 'POST', `/users/${account.id}/enable`);
      assert.equal(enabled.body.user.status, 'active');
      assert.equal(enabled.body.outcome, 'ok');
      assert.equal((await call(running, crm, 'POST', `/users/${account.id}/enable`)).body.outcome, 'not_disabled');
      const unlocked = await call(running, crm, 'POST', `/users/${account.id}/unlock`);
      assert.equal(unlocked.status, 200, unlocked.text);
      assert.equal(unlocked.body.outcome, 'ok');
      for (const name of ['reset-mfa', 'revoke-browsers', 'sign-out']) {
        const answer = await call(running, crm, 'POST', `/users/${account.id}/${name}`);
        assert.equal(answer.status, 200, `${name}: ${answer.text}`);
        assert.equal(answer.body.outcome, 'ok');
      }
      for (const name of ['disable', 'enable', 'unlock', 'reset-mfa', 'revoke-browsers', 'sign-out']) {
        const events = (await auditOf(running, `admin.user.${name}`)).filter((event) => event.accountId === account.id);
        assert.ok(events.length >= 1, `admin.user.${name} audited`);
        assert.equal(events[0]!.actor, 'api:crm-demo');
      }
    });

    it('refuses, as the console does, an action on an admin wider than the client (403, audited as refused)', async () => {
      const global = await makeUser(running, 'DEMO', 'gale', { adminSites: ['*'] });
      const refused = await call(running, crm, 'POST', `/users/${global.id}/disable`);
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.get('content-type'), 'application/problem+json');
      assert.equal(refused.body.type, 'urn:admit:problem:admin_wider_role');
      assert.equal((await call(running, ops, 'GET', `/users/${global.id}`)).body.status, 'active');
      const events = (await auditOf(running, 'admin.user.disable')).filter((event) => event.accountId === global.id);
      assert.equal(events[0]?.outcome, 'refused');
    });

    it('invites, lists, resends and revokes invitations', async () => {
      const created = await call(running, crm, 'POST', '/invitations', {
        body: { email: 'Ivy@Partner.test', name: 'Ivy', site: 'DEMO', role: 'user', groups: ['sales', 'north'], days: 5 },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.email, 'ivy@partner.test');
      assert.deepEqual(created.body.groups, ['sales', 'north']);
      assert.equal(created.headers.get('location'), `/api/v1/invitations/${created.body.id}`);
      assert.equal(created.body.tokenHash, undefined);
      const again = await call(running, crm, 'POST', '/invitations', { body: { email: 'ivy@partner.test', site: 'DEMO', role: 'user' } });
      assert.equal(again.status, 409);
      assert.equal(again.body.type, 'urn:admit:problem:already_invited');
      const listed = await call(running, crm, 'GET', '/invitations');
      assert.ok(listed.body.items.some((invitation: { id: string }) => invitation.id === created.body.id));
      const resent = await call(running, crm, 'POST', `/invitations/${created.body.id}/resend`);
      assert.equal(resent.status, 200, resent.text);
      assert.equal(resent.body.sends, 2);
      const revoked = await call(running, crm, 'POST', `/invitations/${created.body.id}/revoke`);
      assert.equal(revoked.body.status, 'revoked');
      assert.equal((await call(running, crm, 'POST', `/invitations/${created.body.id}/revoke`)).status, 409);
      const actions = ['create', 'resend', 'revoke'];
      for (const action of actions) {
        const events = await auditOf(running, `admin.invitation.${action}`);
        assert.equal(events.find((event) => event.detail?.invitation === created.body.id)?.actor, 'api:crm-demo', action);
      }
    });

    it('lists pending access requests, approves, denies with a reason, and decides several at once', async () => {
      const [one, two, three, four] = [
        await makeRequest(running, 'DEMO', 'rita'),
        await makeRequest(running, 'DEMO', 'rob'),
        await makeRequest(running, 'DEMO', 'ron'),
        await makeRequest(running, 'DEMO', 'ruth'),
      ];
      const pending = await call(running, crm, 'GET', '/access-requests');
      assert.equal(pending.status, 200, pending.text);
      assert.deepEqual(
        pending.body.items.map((request: { username: string }) => request.username),
        ['rita', 'rob', 'ron', 'ruth'],
        'oldest first',
      );
      const approved = await call(running, crm, 'POST', `/access-requests/${one!.id}/approve`);
      assert.equal(approved.body.outcome, 'ok');
      assert.equal(approved.body.request.status, 'approved');
      assert.equal((await running.admit.approval.requests.get(one!.id))?.status, 'approved');
      assert.equal((await call(running, crm, 'POST', `/access-requests/${one!.id}/approve`)).body.outcome, 'already_decided');
      const noReason = await call(running, crm, 'POST', `/access-requests/${two!.id}/deny`, { body: {} });
      assert.equal(noReason.status, 400);
      const denied = await call(running, crm, 'POST', `/access-requests/${two!.id}/deny`, { body: { reason: 'Not a partner' } });
      assert.equal(denied.body.request.status, 'denied');
      assert.equal(denied.body.request.decision.reason, 'Not a partner');
      const bulk = await call(running, crm, 'POST', '/access-requests/decisions', { body: { ids: [three!.id, four!.id, one!.id], decision: 'approve' } });
      assert.deepEqual(bulk.body, { approved: 2, denied: 0, already: 1 });
      const decided = await call(running, crm, 'GET', '/access-requests?status=decided');
      assert.equal(decided.body.items.length, 4);
      const approvals = await auditOf(running, 'admin.request.approve');
      assert.ok(approvals.filter((event) => event.actor === 'api:crm-demo').length >= 3);
    });

    it('lists, registers, rotates and re-points relying applications (global clients only)', async () => {
      const registered = await call(running, ops, 'POST', '/clients', {
        body: { client_id: 'shop', client_name: 'Shop', type: 'confidential', redirect_uris: ['https://shop.example/cb'], first_party: true },
      });
      assert.equal(registered.status, 201, registered.text);
      assert.equal(typeof registered.body.client_secret, 'string');
      const listed = await call(running, ops, 'GET', '/clients');
      assert.ok(listed.body.items.some((client: { client_id: string; source: string }) => client.client_id === 'shop' && client.source === 'registered'));
      assert.ok(!JSON.stringify(listed.body).includes(registered.body.client_secret), 'no secret in a listing');
      const rotated = await call(running, ops, 'POST', '/clients/shop/rotate-secret');
      assert.notEqual(rotated.body.client_secret, registered.body.client_secret);
      const uris = await call(running, ops, 'POST', '/clients/shop/redirect-uris', { body: { redirect_uris: ['https://shop.example/new'] } });
      assert.deepEqual(uris.body.redirect_uris, ['https://shop.example/new']);
      const bad = await call(running, ops, 'POST', '/clients/shop/redirect-uris', { body: { redirect_uris: ['http://shop.example/plain'] } });
      assert.equal(bad.status, 400);
      assert.deepEqual((await call(running, ops, 'GET', '/clients/shop')).body.redirect_uris, ['https://shop.example/new']);
      const exists = await call(running, ops, 'POST', '/clients', { body: { client_id: 'shop', type: 'public', redirect_uris: ['https://x.example/cb'] } });
      assert.equal(exists.status, 409);
      // The token endpoint's answer to the client's own credentials: a bogus grant is invalid_grant while the client exists.
      const tokenError = async () => {
        const answer = await fetch(`${running.issuer}/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`shop:${rotated.body.client_secret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' }),
        });
        return ((await answer.json()) as { error: string }).error;
      };
      assert.equal(await tokenError(), 'invalid_grant');
      assert.equal((await call(running, ops, 'DELETE', '/clients/shop')).status, 204);
      assert.equal((await call(running, ops, 'GET', '/clients/shop')).status, 404);
      assert.equal((await call(running, ops, 'DELETE', '/clients/shop')).status, 404);
      assert.equal((await call(running, ops, 'DELETE', '/clients/ops')).status, 404, 'a config-file client is not removed through the API');
      assert.equal(await tokenError(), 'invalid_client', 'a removed client is unknown to the provider');
      const events = await auditOf(running, 'admin.client');
      assert.deepEqual(
        new Set(events.filter((event) => event.actor === 'api:ops').map((event) => event.action)),
        new Set(['admin.client.register', 'admin.client.rotate_secret', 'admin.client.redirect_uris', 'admin.client.remove']),
      );
    });

    it('queries the audit log by cursor and exports it streamed', async () => {
      const page = await call(running, crm, 'GET', '/audit/events?action=admin.user&limit=3');
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body.items.length, 3);
      assert.ok(page.body.next_cursor);
      const next = await call(running, crm, 'GET', `/audit/events?action=admin.user&limit=3&cursor=${encodeURIComponent(page.body.next_cursor)}`);
      assert.equal(next.body.items.length, 3);
      assert.equal(new Set([...page.body.items, ...next.body.items].map((event: { id: string }) => event.id)).size, 6, 'no event twice');
      const exported = await call(running, crm, 'GET', '/audit/export?action=admin.user.disable');
      assert.equal(exported.status, 200);
      assert.match(exported.headers.get('content-type') ?? '', /^application\/jsonl/);
      const lines = exported.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      assert.ok(lines.length >= 2 && lines.every((event) => event.action === 'admin.user.disable'));
      const csv = await call(running, crm, 'GET', '/audit/export?format=csv&action=admin.user.enable');
      assert.match(csv.text, /^at,action,outcome/);
      const calls = await auditOf(running, 'api.call');
      assert.ok(calls.some((event) => event.actor === 'api:crm-demo' && event.detail?.operation === 'searchUsers'));
    });

    it('lists the outbox with delivery state and resends a delivered message', async () => {
      const invited = await call(running, ops, 'POST', '/invitations', { body: { email: 'olga@partner.test', site: 'OTHER', role: 'user' } });
      assert.equal(invited.status, 201);
      let sent: { id: string; state: string } | undefined;
      for (let tries = 0; tries < 100 && !sent; tries += 1) {
        const listed = await call(running, ops, 'GET', '/outbox?limit=100');
        sent = listed.body.items.find((message: { to: string; state: string }) => message.to === 'olga@partner.test' && message.state === 'sent');
        if (!sent) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(sent, 'the invitation email was delivered');
      assert.equal((await call(running, crm, 'GET', `/outbox/${sent.id}`)).status, 404, "OTHER's message is not the DEMO client's");
      const resent = await call(running, ops, 'POST', `/outbox/${sent.id}/resend`);
      assert.equal(resent.status, 201, resent.text);
      assert.notEqual(resent.body.id, sent.id);
      assert.equal(resent.body.sealed, undefined);
      const events = await auditOf(running, 'admin.outbox.resend');
      assert.equal(events[0]?.actor, 'api:ops');
      assert.equal(events[0]?.detail?.copy, resent.body.id);
    });

    it('lists, creates, rotates and deletes webhook subscriptions of its sites', async () => {
      const created = await call(running, crm, 'POST', '/webhooks', {
        body: { site: 'DEMO', url: 'https://hooks.example.com/admit', events: ['user.disabled', 'access_request.approved'], description: 'CRM' },
      });
      assert.equal(created.status, 201, created.text);
      assert.match(created.body.secret, /^whsec_/);
      const id = created.body.subscription.id;
      const listed = await call(running, crm, 'GET', '/webhooks');
      assert.deepEqual(
        listed.body.items.map((subscription: { id: string }) => subscription.id),
        [id],
      );
      assert.ok(!listed.text.includes(created.body.secret), 'the secret is shown once');
      const rotated = await call(running, crm, 'POST', `/webhooks/${id}/rotate-secret`);
      assert.notEqual(rotated.body.secret, created.body.secret);
      const paused = await call(running, crm, 'POST', `/webhooks/${id}`, { body: { enabled: false } });
      assert.equal(paused.body.enabled, false);
      const other = await call(running, crm, 'POST', '/webhooks', { body: { site: 'OTHER', url: 'https://hooks.example.com/x', events: ['user.created'] } });
      assert.equal(other.status, 404, "OTHER is not the DEMO client's");
      assert.equal((await call(running, crm, 'DELETE', `/webhooks/${id}`)).status, 204);
      assert.equal((await call(running, crm, 'GET', `/webhooks/${id}`)).status, 404);
      const events = await auditOf(running, 'admin.webhook');
      assert.ok(events.some((event) => event.action === 'admin.webhook.create' && event.actor === 'api:crm-demo'));
    });
  });
}

let redis: RunningRedis | undefined;
consoleActionsThroughApi('SQLite', () => undefined);
describe('on Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());
  consoleActionsThroughApi('Redis', () => redis!.url);
});
