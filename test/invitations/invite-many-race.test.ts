import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';

const sites = [{ id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signUp: { mode: 'invitation' } }];

/** One open invitation per address and site, even between two imports running at once. */
describe('two imports at once that share an address', () => {
  let running: RunningAdmit;
  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
  });
  afterAll(() => running?.stop());

  it('one of them invites it (all its rows), the other is refused whole, in each of 10 rounds', async () => {
    const { invitations } = running.admit.approval;
    const actor = { id: 'gina', label: 'Gina' };
    for (let round = 0; round < 10; round += 1) {
      const shared = `shared${round}@example.com`;
      const listA = [`a${round}@example.com`, shared, `b${round}@example.com`].map((email) => ({ siteId: 'DEMO', email, role: 'user' as const, groups: [] }));
      const listB = [shared, `c${round}@example.com`].map((email) => ({ siteId: 'DEMO', email, role: 'user' as const, groups: [] }));
      const [a, b] = await Promise.all([invitations.inviteMany(listA, actor), invitations.inviteMany(listB, actor)]);
      assert.equal([a, b].filter((outcome) => outcome.status === 'ok').length, 1, `round ${round}: ${a.status} / ${b.status}`);
      const loser = a.status === 'ok' ? b : a;
      assert.ok(loser.status === 'refused' && loser.refusals.some((refusal) => refusal.reason === 'already_invited'));
      const open = (await invitations.list(['DEMO'], { limit: 1000 })).items.filter((invitation) => invitation.email === shared);
      assert.equal(open.length, 1, `round ${round}: ${open.length} invitations for ${shared}`);
      // The loser's other addresses were given back: they can be invited now.
      const other = a.status === 'ok' ? `c${round}@example.com` : `a${round}@example.com`;
      assert.equal(await invitations.refusalFor('DEMO', other), undefined);
    }
  });
});
