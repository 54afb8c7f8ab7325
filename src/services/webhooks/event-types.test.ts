import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { StoredAuditEvent } from '../audit/audit-event.ts';
import { MAPPED_AUDIT_ENTRIES, WEBHOOK_EVENT_TYPES, webhookEventOf } from './event-types.ts';

const entry = (action: string, outcome: string, extra: Partial<StoredAuditEvent> = {}): StoredAuditEvent => ({
  id: 'audit-1',
  at: '2026-12-07T10:00:00.000Z',
  action,
  outcome,
  site: 'DEMO',
  username: 'uma',
  accountId: 'acc-1',
  ...extra,
});

describe('audit entries → webhook events', () => {
  it('maps each audit action:outcome to its event, with the named detail fields only', () => {
    const cases: [string, string, Record<string, string | number | boolean>, string, Record<string, unknown>][] = [
      ['account.create', 'ok', { status: 'active', directory: 'local', secret: 'x' }, 'user.created', { status: 'active', directory: 'local' }],
      ['admin.user.disable', 'ok', { sessionsEnded: 2 }, 'user.disabled', { sessionsEnded: 2, reason: 'admin' }],
      ['scim.user.disable', 'ok', { sessionsEnded: 1 }, 'user.disabled', { sessionsEnded: 1, reason: 'scim_deactivated' }],
      ['scim.user.delete', 'ok', {}, 'user.disabled', { reason: 'scim_deleted' }],
      ['registration.submit', 'pending', { request: 'r1', email: 'a@b.c' }, 'access_request.submitted', { request: 'r1', email: 'a@b.c' }],
      ['admin.request.approve', 'ok', { request: 'r1', email: 'a@b.c', bulk: true }, 'access_request.approved', { request: 'r1', email: 'a@b.c' }],
      ['admin.request.deny', 'ok', { request: 'r1', reason: 'No' }, 'access_request.denied', { request: 'r1', reason: 'No' }],
      ['invitation.redeem', 'ok', { invitation: 'i1', email: 'a@b.c' }, 'invitation.redeemed', { invitation: 'i1', email: 'a@b.c' }],
      ['sign_in.lock', 'locked', { maxFailedAttempts: 3, windowSeconds: 900 }, 'sign_in.locked', { maxFailedAttempts: 3, windowSeconds: 900 }],
      ['mfa_device_added', 'ok', { type: 'mobile', methods: 'sms voice' }, 'mfa.device_added', { type: 'mobile', methods: 'sms voice' }],
      ['mfa_device_removed', 'ok', { type: 'tablet' }, 'mfa.device_removed', { type: 'tablet', reason: 'removed' }],
      ['mfa_device_abandoned', 'ok', { type: 'mobile' }, 'mfa.device_removed', { type: 'mobile', reason: 'setup_abandoned' }],
      ['mfa_reset', 'ok', { trustedBrowsersRevoked: 1 }, 'mfa.device_removed', { all: true, reason: 'admin_reset' }],
      ['password_write_sign_out', 'ok', { otherSessionsEnded: 1, trustedBrowsersRevoked: 0 }, 'password.changed', { otherSessionsEnded: 1 }],
    ];
    assert.equal(cases.length, MAPPED_AUDIT_ENTRIES.length, 'every rule has a case');
    for (const [action, outcome, detail, type, data] of cases) {
      const event = webhookEventOf(entry(action, outcome, { detail, actor: 'gina@DEMO' }));
      assert.equal(event?.type, type, action);
      assert.deepEqual(event?.data, { auditEventId: 'audit-1', site: 'DEMO', user: { id: 'acc-1', username: 'uma' }, actor: 'gina@DEMO', ...data }, action);
    }
    assert.deepEqual([...new Set(cases.map((item) => item.at(3)))].sort(), [...WEBHOOK_EVENT_TYPES].sort(), 'every event type has a source');
  });

  it('is no event: another outcome, an unmapped action, an entry of no site', () => {
    assert.equal(webhookEventOf(entry('admin.request.approve', 'already_decided')), undefined);
    assert.equal(webhookEventOf(entry('admin.user.disable', 'refused')), undefined);
    assert.equal(webhookEventOf(entry('sign_in', 'invalid')), undefined);
    assert.equal(webhookEventOf(entry('account.create', 'ok', { site: undefined })), undefined);
  });

  it('names the user by what the entry has', () => {
    assert.deepEqual(webhookEventOf(entry('sign_in.lock', 'locked', { accountId: undefined }))?.data.user, { username: 'uma' });
    const noDetail = webhookEventOf(entry('account.create', 'ok', { username: undefined }));
    assert.deepEqual(noDetail?.data, { auditEventId: 'audit-1', site: 'DEMO', user: { id: 'acc-1' } });
  });
});
