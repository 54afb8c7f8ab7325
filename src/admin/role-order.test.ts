import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { mayActOn, roleOf } from './role-order.ts';

const actor = (id: string, adminSites: string[], allSiteIds = ['NORTH', 'SOUTH']) => ({
  account: { id },
  allSites: adminSites.includes('*'),
  sites: adminSites.includes('*') ? allSiteIds : allSiteIds.filter((site) => adminSites.includes(site)),
});
const target = (id: string, siteId: string, adminSites: string[] = []) => ({ id, siteId, adminSites });

describe('the role order', () => {
  it('reads roles as they are stored', () => {
    assert.deepEqual(roleOf({ adminSites: ['*'] }), { kind: 'global' });
    assert.deepEqual(roleOf({ adminSites: ['NORTH'] }), { kind: 'site', sites: ['NORTH'] });
    assert.deepEqual(roleOf({}), { kind: 'user' });
  });

  it("global admin > site admin > user, on the target, with one's own account refused", () => {
    const nora = actor('nora', ['NORTH']);
    const gina = actor('gina', ['*']);
    assert.deepEqual(mayActOn(nora, target('gina', 'NORTH', ['*'])), { ok: false, status: 403, code: 'admin_wider_role', reason: 'wider_role' });
    assert.equal(mayActOn(nora, target('walt', 'NORTH', ['NORTH', 'SOUTH'])).ok, false);
    assert.equal(mayActOn(nora, target('dina', 'NORTH', ['NORTH'])).ok, true);
    assert.equal(mayActOn(nora, target('uma', 'NORTH')).ok, true);
    assert.deepEqual(mayActOn(nora, target('sam', 'SOUTH')), { ok: false, status: 404, code: 'not_found', reason: 'other_site' });
    assert.deepEqual(mayActOn(nora, target('nora', 'NORTH', ['NORTH'])), { ok: false, status: 403, code: 'admin_own_account', reason: 'own_account' });
    assert.equal(mayActOn(gina, target('nora', 'NORTH', ['NORTH'])).ok, true);
    assert.equal(mayActOn(gina, target('greg', 'SOUTH', ['*'])).ok, true, 'another global admin is not wider');
    assert.equal(mayActOn(gina, target('gina', 'NORTH', ['*'])).ok, false);
  });
});
