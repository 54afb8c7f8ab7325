import assert from 'node:assert/strict';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createTotp } from '../../plugins/mfa-totp/totp.ts';
import { createSecretBox } from '../../src/lib/secret-box.ts';
import { type Account, createAccountService } from '../../src/services/accounts.ts';
import { pendingKey } from '../../src/services/approvals/access-requests.ts';
import { newDeviceId } from '../../src/services/mfa/devices.ts';
import { signInAtRp } from '../registration/support.ts';
import { type RunningAdmit, TEST_SECRET } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';

const signIn = { changePasswordAtFirstSignIn: false, maxFailedAttempts: 3, maxAttemptsPerIp: 100_000 };
/** HQ holds the admins' own accounts (their console sign-ins count there); NORTH and SOUTH are what the figures are about. */
export const dashboardSites = [
  { id: 'HQ', displayName: 'Head office', directory: { kind: 'local' }, signIn },
  { id: 'NORTH', displayName: 'North partners', directory: { kind: 'local' }, signIn, signUp: { mode: 'approval' } },
  { id: 'SOUTH', displayName: 'South partners', directory: { kind: 'local' }, signIn, signUp: { mode: 'approval' } },
];
export const REJECTED = 'bounce@north.test';
export const PASSWORD = 'Uma#Userpass2026';

export interface Seeded {
  uma: Account;
  lara: Account;
  sam: Account;
}

/**
 * What the dashboard tests expect to see:
 * NORTH: 2 sign-ins and 3 failures today (lara's three wrong passwords lock her), 2 pending requests of
 * which 1 overdue, 1 account enrolled (uma, with two devices), 1 failed email (a request sent from a
 * refused address). SOUTH: 1 sign-in and 1 failure, 1 pending request, 0 enrolled (sam's MFA was reset),
 * nothing locked, nothing failed.
 */
export async function seedDashboard(running: RunningAdmit): Promise<Seeded> {
  const { store, mfa, approval, outboxWorker } = running.admit;
  const accounts = createAccountService({ store });
  const made: Record<string, Account> = {};
  // People admit already admitted (an approval site signs in only accounts it has).
  for (const [site, names] of [
    ['NORTH', ['uma', 'lara']],
    ['SOUTH', ['sam']],
  ] as const) {
    const directory = createLocalDirectory({ store, siteId: site });
    for (const username of names) {
      const user = await directory.addUser({ username, password: PASSWORD, email: `${username}@${site.toLowerCase()}.test`, name: `${username} ${site}` });
      made[username] = await accounts.linkOrCreate(site, 'local', { externalId: user.id, username, name: user.name, email: user.email, groups: [] });
    }
  }
  const attempt = async (site: string, username: string, password: string, expect: 'ok' | 'refused') => {
    const outcome = await signInAtRp(running, new FormBrowser(), { username, password, site });
    assert.equal(
      Boolean(outcome.url.searchParams.get('code')),
      expect === 'ok',
      `${username}@${site}: ${outcome.html
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 300)}`,
    );
  };
  await attempt('NORTH', 'uma', PASSWORD, 'ok');
  await attempt('NORTH', 'uma', PASSWORD, 'ok');
  for (let n = 0; n < 3; n += 1) await attempt('NORTH', 'lara', 'wrong-password', 'refused');
  await attempt('SOUTH', 'sam', PASSWORD, 'ok');
  await attempt('SOUTH', 'sam', 'wrong-password', 'refused');
  const uma = made.uma!;
  const lara = made.lara!;
  const sam = made.sam!;

  // Devices through the MFA service, as the wizard adds them (its audit events keep the count).
  const box = createSecretBox(TEST_SECRET, 'mfa-totp');
  const device = (name: string) => ({
    id: newDeviceId(),
    type: 'tablet' as const,
    name,
    totp: { sealedSecret: box.seal(createTotp().newSecret()) },
    createdAt: new Date().toISOString(),
  });
  const umaWho = (await mfa.subject(uma.id))!;
  assert.equal((await mfa.manage.add(undefined, umaWho, device('Uma tablet'), {})).status, 'ok');
  assert.equal((await mfa.manage.add(undefined, umaWho, device('Uma spare'), { verifiedAt: Date.now() })).status, 'ok');
  assert.equal((await mfa.manage.add(undefined, (await mfa.subject(sam.id))!, device('Sam tablet'), {})).status, 'ok');
  await mfa.resetMfa(undefined, sam.id);

  const submit = (siteId: string, n: number, email: string) =>
    approval.requests.submit({
      siteId,
      accountId: `request-${siteId}-${n}`,
      username: `person${n}`,
      name: `Person ${n}`,
      email,
      organisation: 'Acme',
      reason: 'Meter data',
    });
  const old = await submit('NORTH', 1, REJECTED);
  await submit('NORTH', 2, 'p2@north.test');
  await submit('SOUTH', 3, 'p3@south.test');
  // Sent ten days ago: past the two-business-day promise.
  await store.writeAll([{ op: 'indexAdd', key: pendingKey('NORTH'), member: old.id, score: Date.now() - 10 * 86_400_000 }]);
  await outboxWorker.drain();
  return { uma, lara, sam };
}

/** The number a dashboard card shows (`data-figure`). */
export function figure(html: string, name: string): string {
  const found = new RegExp(`data-figure="${name}">([^<]*)<`).exec(html);
  assert.ok(found, `the dashboard shows ${name}`);
  return found[1]!.trim();
}

/** The by-site table's row of a site: its cells' text. */
export function siteRow(html: string, site: string): string[] | undefined {
  const row = new RegExp(`<tr data-site="${site}">([\\s\\S]*?)</tr>`).exec(html)?.[1];
  return row
    ? [...row.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((cell) =>
        cell[1]!
          .replace(/<[^>]+>/g, '')
          .replace(/\s+/g, ' ')
          .trim(),
      )
    : undefined;
}
