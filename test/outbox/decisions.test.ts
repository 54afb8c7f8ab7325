import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

const sites = [
  { id: 'PARTNERS', displayName: 'Partner Center', directory: { kind: 'local' }, signUp: { mode: 'approval', approvers: ['approvals@vendor.test'] } },
];

/** Decision emails are written before the decision and go out only for the decision that won. */
describe('approval decisions through the outbox', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startAdmit({ config: { sites, mail: { transport: smtp.url }, outbox: { pollMs: 50 } } });
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  it("two admins deciding one request at once: one decision, one email (the winner's), the loser's message cancelled", async () => {
    const accounts = createAccountService({ store: running.admit.store });
    const { requests } = running.admit.approval;
    for (let round = 0; round < 5; round += 1) {
      const email = `req${round}@partner.test`;
      const account = await accounts.linkOrCreate(
        'PARTNERS',
        'local',
        { externalId: `ext-${round}`, username: `req${round}`, email, groups: [] },
        { status: 'pending_approval' },
      );
      const request = await requests.submit({
        siteId: 'PARTNERS',
        accountId: account.id,
        username: `req${round}`,
        name: `Req ${round}`,
        email,
        organisation: 'Acme',
        reason: 'meters',
      });
      const outcomes = await Promise.all([requests.approve(request.id, 'admin-a'), requests.deny(request.id, 'admin-b', 'not a partner')]);
      assert.equal(outcomes.filter((outcome) => outcome.status === 'ok').length, 1, JSON.stringify(outcomes.map((o) => o.status)));
      const decided = (await requests.get(request.id))!;
      await running.admit.outboxWorker.drain();
      await sleep(200);
      const decisionMails = smtp.received.filter(
        (mail) => mail.to.includes(email) && /approved|denied|was not approved|request/i.test(mail.subject) && !/received/i.test(mail.subject),
      );
      assert.equal(decisionMails.length, 1, `one decision email: ${decisionMails.map((m) => m.subject).join(' | ')}`);
      assert.match(decisionMails[0]!.text, decided.status === 'approved' ? /approved/i : /not a partner/);
      const mine = (await running.admit.outbox.list({ siteIds: ['PARTNERS'], limit: 20 })).messages.filter(
        (message) => message.to === email && /request-(approved|denied)/.test(message.kind),
      );
      assert.deepEqual(mine.map((message) => message.state).sort(), ['cancelled', 'sent']);
    }
  });
});
