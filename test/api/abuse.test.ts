import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createOidcAdapterFactory } from '../../src/store/oidc-adapter.ts';
import type { RunningAdmit } from '../support/admit-server.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { ALL, auditOf, call, makeRequest, makeUser, resourceOf, SECRET, SITE_SCOPES, startApiAdmit, tokenFor, tokenResponse } from './api-support.ts';

function abuse(label: string, storeUrl: () => string | undefined) {
  describe(`management API abuse (${label})`, () => {
    let running: RunningAdmit;
    let crm: string;
    let ops: string;
    beforeAll(async () => {
      running = await startApiAdmit({ store: storeUrl() });
      [crm, ops] = await Promise.all([tokenFor(running, 'crm-demo', SITE_SCOPES), tokenFor(running, 'ops', ALL)]);
    });
    afterAll(() => running?.stop());

    const invitationsOf = async (email: string) =>
      (await call(running, ops, 'GET', '/invitations?limit=100')).body.items.filter((invitation: { email: string }) => invitation.email === email);

    describe('tokens', () => {
      it('answers a call without a token 401 with a Bearer challenge, as a problem', async () => {
        const answer = await call(running, undefined, 'GET', '/users');
        assert.equal(answer.status, 401);
        assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="admit"');
        assert.equal(answer.headers.get('content-type'), 'application/problem+json');
        assert.equal(answer.body.status, 401);
        assert.equal(answer.body.instance, '/api/v1/users');
      });

      it('refuses a made-up token, a malformed header and a token of another kind (401 invalid_token)', async () => {
        const madeUp = await call(running, 'not-a-token-admit-issued', 'GET', '/users');
        assert.equal(madeUp.status, 401);
        assert.match(madeUp.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
        const basic = await call(running, undefined, 'GET', '/users', {
          headers: { authorization: `Basic ${Buffer.from(`ops:${SECRET}`).toString('base64')}` },
        });
        assert.equal(basic.status, 401);
        assert.match(basic.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
        // A client_credentials token without the API's resource (a token for the userinfo endpoint) is not for this API.
        const plain = await tokenResponse(running, 'ops', {});
        assert.equal(plain.status, 200);
        const notForApi = await call(running, plain.body.access_token as string, 'GET', '/users');
        assert.equal(notForApi.status, 401);
        assert.match(notForApi.body.detail, /not for this API/);
      });

      it('refuses an expired token and a revoked one', async () => {
        const token = await tokenFor(running, 'crm-demo', 'admit:users:read');
        assert.equal((await call(running, token, 'GET', '/users')).status, 200);
        const adapter = new (createOidcAdapterFactory(running.admit.store))('ClientCredentials');
        const stored = (await adapter.find(token)) as Record<string, unknown>;
        await adapter.upsert(token, { ...stored, exp: Math.floor(Date.now() / 1000) - 5 } as never, 60);
        const expired = await call(running, token, 'GET', '/users');
        assert.equal(expired.status, 401);
        assert.match(expired.headers.get('www-authenticate') ?? '', /error="invalid_token", error_description="The access token has expired."/);
        const other = await tokenFor(running, 'crm-demo', 'admit:users:read');
        const revoked = await fetch(`${running.issuer}/token/revocation`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`crm-demo:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: other }),
        });
        assert.equal(revoked.status, 200);
        assert.equal((await call(running, other, 'GET', '/users')).status, 401);
      });

      it('refuses a token without the route scope: 403 insufficient_scope naming it, nothing changed', async () => {
        const account = await makeUser(running, 'DEMO', 'sam');
        const reader = await tokenFor(running, 'reader', 'admit:users:read');
        const answer = await call(running, reader, 'POST', `/users/${account.id}/disable`);
        assert.equal(answer.status, 403);
        assert.equal(answer.body.type, 'urn:admit:problem:insufficient_scope');
        assert.match(answer.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*scope="admit:users:write"/);
        assert.equal((await call(running, ops, 'GET', `/users/${account.id}`)).body.status, 'active');
        // A token carries only what was asked for: crm's users:read token cannot approve.
        const narrow = await tokenFor(running, 'crm-demo', 'admit:users:read');
        assert.equal((await call(running, narrow, 'GET', '/access-requests')).status, 403);
      });

      it('refuses at the token endpoint a scope the client was not registered for, and the API to a client that is not an API client', async () => {
        const escalated = await tokenResponse(running, 'reader', { scope: 'admit:users:read admit:users:write', resource: resourceOf(running) });
        assert.equal(escalated.status, 400);
        assert.equal(escalated.body.error, 'invalid_scope');
        const clients = await tokenResponse(running, 'crm-demo', { scope: 'admit:clients:write', resource: resourceOf(running) });
        assert.equal(clients.body.error, 'invalid_scope', 'a site client was never given relying applications');
        const machine = await tokenResponse(running, 'machine', { scope: 'admit:users:read', resource: resourceOf(running) });
        assert.equal(machine.status, 400);
        assert.ok(['invalid_target', 'invalid_scope'].includes(machine.body.error as string), JSON.stringify(machine.body));
        // Asking for nothing gets a token with nothing.
        const none = await tokenFor(running, 'reader', '');
        assert.equal((await call(running, none, 'GET', '/users')).status, 403);
      });
    });

    describe("another site's records are not found (404), never forbidden", () => {
      it('users, requests, invitations, outbox and sites of OTHER, for the DEMO client', async () => {
        const theirs = await makeUser(running, 'OTHER', 'otto');
        const request = await makeRequest(running, 'OTHER', 'olaf');
        const invitation = await call(running, ops, 'POST', '/invitations', { body: { email: 'oona@other.test', site: 'OTHER', role: 'user' } });
        for (const [method, path, body] of [
          ['GET', `/users/${theirs.id}`],
          ['POST', `/users/${theirs.id}/disable`],
          ['POST', `/users/${theirs.id}/sign-out`],
          ['GET', '/users?site=OTHER'],
          ['GET', `/access-requests/${request.id}`],
          ['POST', `/access-requests/${request.id}/approve`],
          ['POST', `/access-requests/${request.id}/deny`, { reason: 'no' }],
          ['POST', '/access-requests/decisions', { ids: [request.id], decision: 'approve' }],
          ['GET', `/invitations/${invitation.body.id}`],
          ['POST', `/invitations/${invitation.body.id}/revoke`],
          ['POST', '/invitations', { email: 'x@other.test', site: 'OTHER', role: 'user' }],
        ] as [string, string, unknown?][]) {
          const answer = await call(running, crm, method, path, { body });
          assert.equal(answer.status, 404, `${method} ${path}: ${answer.text}`);
          assert.equal(answer.headers.get('content-type'), 'application/problem+json');
        }
        const siteApps = await tokenFor(running, 'site-apps', 'admit:clients:read admit:clients:write');
        assert.equal((await call(running, siteApps, 'GET', '/clients')).status, 404);
        const sneaky = await call(running, siteApps, 'POST', '/clients', {
          body: { client_id: 'sneaky', type: 'public', redirect_uris: ['https://x.example/cb'] },
        });
        assert.equal(sneaky.status, 404);
        assert.equal((await call(running, ops, 'GET', '/clients/sneaky')).status, 404, 'nothing registered');
        assert.equal((await call(running, ops, 'GET', `/users/${theirs.id}`)).body.status, 'active');
        assert.equal((await running.admit.approval.requests.get(request.id))?.status, 'pending');
        assert.notEqual((await call(running, ops, 'GET', `/invitations/${invitation.body.id}`)).body.status, 'revoked');
        assert.deepEqual(await invitationsOf('x@other.test'), []);
      });
    });

    describe('Idempotency-Key', () => {
      const invite = (email: string) => ({ email, site: 'DEMO', role: 'user' as const });

      it('answers a replay with the same body the same, with one effect; another body with the key is 422', async () => {
        const headers = { 'idempotency-key': 'crm-run-1' };
        const first = await call(running, crm, 'POST', '/invitations', { body: invite('ida@partner.test'), headers });
        assert.equal(first.status, 201, first.text);
        const again = await call(running, crm, 'POST', '/invitations', { body: invite('ida@partner.test'), headers });
        assert.equal(again.status, 201);
        assert.deepEqual(again.body, first.body);
        assert.equal(again.headers.get('location'), first.headers.get('location'));
        assert.equal(again.headers.get('idempotent-replayed'), 'true');
        assert.equal((await invitationsOf('ida@partner.test')).length, 1);
        const creates = (await auditOf(running, 'admin.invitation.create')).filter((event) => event.detail?.email === 'ida@partner.test');
        assert.equal(creates.length, 1);
        const other = await call(running, crm, 'POST', '/invitations', { body: invite('eve@partner.test'), headers });
        assert.equal(other.status, 422);
        assert.equal(other.body.type, 'urn:admit:problem:idempotency_key_reused');
        assert.deepEqual(await invitationsOf('eve@partner.test'), []);
        // Keys are per client: the same key from another client is its own.
        const ops1 = await call(running, ops, 'POST', '/invitations', { body: invite('eve@partner.test'), headers });
        assert.equal(ops1.status, 201);
      });

      it('lets one of ten concurrent requests with the same key act; the others replay it or are told it is in progress', async () => {
        const account = await makeUser(running, 'DEMO', 'cora');
        const headers = { 'idempotency-key': `disable-${account.id}` };
        const answers = await Promise.all(Array.from({ length: 10 }, () => call(running, crm, 'POST', `/users/${account.id}/disable`, { headers })));
        const statuses = answers.map((answer) => answer.status);
        assert.ok(
          statuses.every((status) => status === 200 || status === 409),
          statuses.join(),
        );
        assert.ok(statuses.includes(200));
        for (const answer of answers.filter((one) => one.status === 409)) assert.equal(answer.headers.get('retry-after'), '1');
        const disables = (await auditOf(running, 'admin.user.disable')).filter((event) => event.accountId === account.id);
        assert.equal(disables.length, 1, 'one effect');
        const replay = await call(running, crm, 'POST', `/users/${account.id}/disable`, { headers });
        assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      });

      it('refuses a malformed key', async () => {
        const answer = await call(running, crm, 'POST', '/invitations', { body: invite('kay@partner.test'), headers: { 'idempotency-key': 'x'.repeat(256) } });
        assert.equal(answer.status, 400);
        assert.deepEqual(await invitationsOf('kay@partner.test'), []);
      });
    });

    describe('bodies', () => {
      it('refuses invalid, oversized, malformed and non-JSON bodies with a problem, and changes nothing', async () => {
        const invalid = await call(running, crm, 'POST', '/invitations', {
          body: { email: 'not-an-address', site: 'DEMO', role: 'owner', groups: ['ok', '!!'] },
        });
        assert.equal(invalid.status, 400);
        assert.equal(invalid.body.type, 'urn:admit:problem:invalid_request');
        assert.deepEqual(
          invalid.body.errors.map((error: { pointer: string }) => error.pointer),
          ['#/email', '#/role', '#/groups/1'],
        );
        assert.equal(invalid.body.errors[0].detail, 'Enter a valid email address.');
        const unknownField = await call(running, crm, 'POST', '/invitations', {
          body: { ...{ email: 'uma@partner.test', site: 'DEMO', role: 'user' }, admin: true },
        });
        assert.equal(unknownField.status, 400);
        const huge = await call(running, crm, 'POST', '/invitations', {
          body: { email: 'hugh@partner.test', site: 'DEMO', role: 'user', name: 'x'.repeat(70_000) },
        });
        assert.equal(huge.status, 413);
        assert.equal(huge.body.type, 'urn:admit:problem:payload_too_large');
        const longName = await call(running, crm, 'POST', '/invitations', {
          body: { email: 'hugh@partner.test', site: 'DEMO', role: 'user', name: 'x'.repeat(101) },
        });
        assert.equal(longName.status, 400);
        const malformed = await call(running, crm, 'POST', '/invitations', { raw: '{"email": ' });
        assert.equal(malformed.status, 400);
        assert.equal(malformed.body.type, 'urn:admit:problem:invalid_json');
        const form = await call(running, crm, 'POST', '/invitations', {
          raw: 'email=a%40b.test&site=DEMO&role=user',
          contentType: 'application/x-www-form-urlencoded',
        });
        assert.equal(form.status, 415);
        const tooLongReason = await makeRequest(running, 'DEMO', 'tess');
        const deny = await call(running, crm, 'POST', `/access-requests/${tooLongReason.id}/deny`, { body: { reason: 'r'.repeat(501) } });
        assert.equal(deny.status, 400);
        assert.equal((await running.admit.approval.requests.get(tooLongReason.id))?.status, 'pending');
        const tooMany = await call(running, crm, 'POST', '/access-requests/decisions', {
          body: { ids: Array.from({ length: 51 }, (_, i) => `id-${i}`), decision: 'approve' },
        });
        assert.equal(tooMany.status, 400);
        for (const email of ['uma@partner.test', 'hugh@partner.test', 'a@b.test', 'not-an-address']) assert.deepEqual(await invitationsOf(email), []);
      });

      it('refuses a tampered cursor (400 invalid_cursor), a query parameter it does not know, and an unknown path (404 problem)', async () => {
        for (const path of [
          '/users?cursor=garbage!',
          `/users?cursor=${Buffer.from('not a cursor').toString('base64url')}`,
          `/invitations?cursor=${Buffer.from('12\n../../etc').toString('base64url')}`,
          '/access-requests?cursor=%00',
          '/audit/events?cursor=AAAA',
          '/outbox?cursor=1:bad/../x',
        ]) {
          const answer = await call(running, crm, 'GET', path);
          assert.equal(answer.status, 400, `${path}: ${answer.text}`);
          assert.equal(answer.headers.get('content-type'), 'application/problem+json');
        }
        // A well-made cursor of another site's list moves nowhere outside the caller's sites.
        await makeUser(running, 'OTHER', 'oz1');
        await makeUser(running, 'OTHER', 'oz2');
        const theirs = await call(running, ops, 'GET', '/users?site=OTHER&limit=1');
        assert.ok(theirs.body.next_cursor);
        const borrowed = await call(running, crm, 'GET', `/users?cursor=${encodeURIComponent(theirs.body.next_cursor)}`);
        assert.ok(borrowed.status === 200 || borrowed.status === 400, borrowed.text);
        if (borrowed.status === 200) assert.ok(borrowed.body.items.every((user: { site: string }) => user.site === 'DEMO'));
        assert.equal((await call(running, crm, 'GET', '/users?admin=true')).status, 400);
        const reversed = await call(running, crm, 'GET', '/audit/events?from=2026-12-07&to=2026-12-01');
        assert.equal(reversed.status, 400);
        assert.equal(reversed.body.detail, 'From must be on or before To.');
        const notADay = await call(running, crm, 'GET', '/audit/export?from=2026-02-30');
        assert.equal(notADay.status, 400);
        assert.equal(notADay.body.errors[0].pointer, '#query/from');
        const badHook = await call(running, crm, 'POST', '/webhooks', { body: { site: 'DEMO', url: 'ftp://hooks.example.com/x', events: ['user.created'] } });
        assert.equal(badHook.status, 400, badHook.text);
        assert.equal(badHook.body.errors[0].pointer, '#/url');
        assert.deepEqual((await call(running, crm, 'GET', '/webhooks')).body.items, []);
        assert.equal((await call(running, crm, 'GET', '/users?limit=100000')).status, 400);
        const nowhere = await call(running, crm, 'GET', '/nothing-here');
        assert.equal(nowhere.status, 404);
        assert.equal(nowhere.headers.get('content-type'), 'application/problem+json');
      });
    });

    it('audits every call as the API client, refused ones included', async () => {
      await call(running, crm, 'GET', '/users?limit=1');
      const reader = await tokenFor(running, 'reader', 'admit:users:read');
      await call(running, reader, 'GET', '/invitations');
      const calls = await auditOf(running, 'api.call');
      assert.ok(calls.some((event) => event.actor === 'api:crm-demo' && event.outcome === '200' && event.detail?.operation === 'searchUsers'));
      assert.ok(calls.some((event) => event.actor === 'api:reader' && event.outcome === '403' && event.detail?.operation === 'listInvitations'));
    });
  });
}

abuse('SQLite', () => undefined);
let redis: RunningRedis | undefined;
describe('on Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());
  abuse('Redis', () => redis!.url);
});

describe('management API rate limit', () => {
  let running: RunningAdmit;
  beforeAll(async () => {
    running = await startApiAdmit({ requestsPerMinute: 5 });
  });
  afterAll(() => running?.stop());

  it('answers the sixth call in a minute 429 with Retry-After, per client', async () => {
    const [reader, crm] = await Promise.all([tokenFor(running, 'reader', 'admit:users:read'), tokenFor(running, 'crm-demo', SITE_SCOPES)]);
    const account = await makeUser(running, 'DEMO', 'rae');
    for (let i = 0; i < 5; i += 1) assert.equal((await call(running, reader, 'GET', '/users')).status, 200);
    const limited = await call(running, reader, 'GET', '/users');
    assert.equal(limited.status, 429);
    assert.equal(limited.body.type, 'urn:admit:problem:rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    // Another client has its own count; a limited write changes nothing.
    for (let i = 0; i < 5; i += 1) assert.equal((await call(running, crm, 'GET', `/users/${account.id}`)).status, 200);
    assert.equal((await call(running, crm, 'POST', `/users/${account.id}/disable`)).status, 429);
    const { createAccountService } = await import('../../src/services/accounts.ts');
    assert.equal((await createAccountService({ store: running.admit.store }).find(account.id))?.status, 'active');
  });

  it('audits the first refusal of a window, not the rest of a flood', async () => {
    const ops = await tokenFor(running, 'ops', 'admit:users:read');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await call(running, ops, 'GET', '/users')).status);
    assert.deepEqual([statuses.filter((status) => status === 200).length, statuses.filter((status) => status === 429).length], [5, 7]);
    const outcomes = (await auditOf(running, 'api.call')).filter((event) => event.actor === 'api:ops').map((event) => event.outcome);
    assert.deepEqual(
      [outcomes.filter((outcome) => outcome === '200').length, outcomes.filter((outcome) => outcome === '429').length],
      [5, 1],
      outcomes.join(' '),
    );
  });
});
