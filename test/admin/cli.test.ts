import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAuditQuery } from '../../src/services/audit/audit-query.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { TEST_SECRET } from '../support/admit-server.ts';

describe('admit admin add / list / remove', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const admit = (...args: string[]) => spawnSync(process.execPath, ['bin/admit.js', ...args], { env, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'admit-cli-admin-'));
    writeFileSync(
      join(dir, 'admit.yaml'),
      'sites:\n  - id: DEMO\n    displayName: Demo\n    directory: { kind: local }\n  - id: CORP\n    displayName: Corp\n    directory: { kind: entra, tenant: 6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b, clientId: admit, clientSecret: corp-secret }\n',
    );
    env = { ...process.env, ADMIT_CONFIG: join(dir, 'admit.yaml'), ADMIT_STORE: `sqlite:${join(dir, 'admit.db')}`, ADMIT_SECRET: TEST_SECRET };
    assert.equal(admit('user', 'add', '--site', 'DEMO', '--username', 'alice', '--password', 'Alice#Pass2026', '--email', 'alice@example.com').status, 0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is listed in the help', () => {
    const help = admit('--help');
    assert.match(help.stdout, /admit admin add\s+make a user an admin/);
    assert.match(admit('admin', 'add', '--help').stdout, /Usage: admit admin add --site <SITE\[,SITE…\]\|\*> --username <name>/);
  });

  it('makes a local user a site admin, then a global admin, lists and removes, and audits each', () => {
    const site = admit('admin', 'add', '--site', 'DEMO', '--username', 'alice');
    assert.equal(site.status, 0, site.stderr);
    assert.match(site.stdout, /"alice" \(DEMO\) is now an admin of DEMO/);
    const global = admit('admin', 'add', '--site', '*', '--username', 'ALICE', '--home', 'DEMO');
    assert.equal(global.status, 0, global.stderr);
    assert.match(global.stdout, /admin of every site/);
    assert.match(admit('admin', 'list').stdout, /DEMO\talice\tactive\t\*\tglobal admin/);
    // A grant never narrows a role: a global admin stays one.
    assert.match(admit('admin', 'add', '--site', 'DEMO', '--username', 'alice').stdout, /admin of every site \(already a global admin/);
    assert.match(admit('admin', 'remove', '--username', 'alice', '--home', 'DEMO').stdout, /no longer an admin \(was: \*\)/);
    assert.match(admit('admin', 'list').stdout, /no admins yet/);
  });

  it('refuses unknown sites, a global grant without a home, and people it cannot find', () => {
    const cases: [string[], RegExp][] = [
      [['admin', 'add', '--site', 'NOPE', '--username', 'alice'], /--site: no site "NOPE"/],
      [['admin', 'add', '--site', '*', '--username', 'alice'], /--home is required/],
      [['admin', 'add', '--site', '*,DEMO', '--username', 'alice', '--home', 'DEMO'], /stands alone/],
      [['admin', 'add', '--site', 'DEMO', '--username', 'nobody'], /no account "nobody" in site DEMO; add the user first/],
      [['admin', 'add', '--site', 'CORP', '--username', 'carl'], /no account "carl" in site CORP; the person signs in once first/],
    ];
    for (const [args, message] of cases) {
      const result = admit(...args);
      assert.equal(result.status, 1, args.join(' '));
      assert.match(result.stderr, message);
    }
  });

  it('wrote the new account and the grants to the audit log (actor: cli), as the server does', async () => {
    const store = createSqliteStore({ path: join(dir, 'admit.db') });
    try {
      const day = new Date().toISOString().slice(0, 10);
      const events: { action: string; actor?: string }[] = [];
      for await (const event of createAuditQuery({ store }).events({ scope: { allSites: true }, from: day, to: day })) events.unshift(event);
      // The local user never signed in: admin add made the account, audited as every new account is (the user.created webhook's source).
      assert.deepEqual(
        events.map((event) => event.action),
        ['account.create', 'admin.role.grant', 'admin.role.grant', 'admin.role.grant', 'admin.role.revoke'],
      );
      assert.ok(events.filter((event) => event.action.startsWith('admin.')).every((event) => event.actor === 'cli'));
    } finally {
      await store.close();
    }
  });
});
