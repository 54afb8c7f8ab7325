/**
 * Glewlwyd 2.7.5 (Debian `glewlwyd`) as a peer in the benchmark: its own
 * process on a free loopback port, its SQLite backend in the run's temporary
 * directory (Debian's schema, /usr/share/dbconfig-common/…/sqlite3), set up
 * through its admin API the way its admin pages would: the OpenID Connect
 * plugin (RS256, a key made for the run), the benchmark's two clients, local
 * users in its database module (its default PBKDF2 hashing), and the same
 * OpenLDAP as admit's LDAP site as a second user module. Each user grants the
 * relying application `openid` once, so a sign-in is not stopped at consent
 * (as admit's first-party client is not).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/support/free-port.ts';
import type { Credentials } from '../load/sign-in-steps.ts';
import { MACHINE, REDIRECT_URI, RP } from '../servers/clients.ts';
import { cookieJar, jsonTemplate, type PeerProcess, startProcess, waitForHttp, writeTemplate } from './common.ts';

export const GLEWLWYD_BINARY = '/usr/bin/glewlwyd';
const SCHEMA = '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3';
/** Debian's schema creates this administrator (glewlwyd's documented first login). */
const ADMIN = { username: 'admin', password: 'password' };
/** Glewlwyd's client_credentials grant needs a scope; admit's and the baseline's need none. */
export const GLEWLWYD_CC_SCOPE = 'bench';
export const GLEWLWYD_API = '/api';
export const GLEWLWYD_OIDC = '/api/oidc';

export interface LdapForPeers {
  url: string;
  bindDn: string;
  bindPassword: string;
  userBase: string;
  users: Credentials[];
}

export interface RunningGlewlwyd {
  origin: string;
  pid: number;
  /** Why LDAP sign-in cannot be measured, when it cannot (the module refused, or a test sign-in failed). */
  ldapProblem?: string;
  stop(): Promise<void>;
}

async function api(origin: string, jar: ReturnType<typeof cookieJar>, method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${origin}${GLEWLWYD_API}${path}`, {
    method,
    headers: { cookie: jar.header(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  jar.take(response);
  return response;
}

async function expectOk(what: string, response: Promise<Response>): Promise<void> {
  const answer = await response;
  if (answer.status !== 200) throw new Error(`Glewlwyd set-up: ${what} answered ${answer.status} ${(await answer.text()).slice(0, 300)}`);
  await answer.arrayBuffer();
}

/** Signs a user in through the login API and grants the relying application `openid`; the answer says whether it worked. */
async function grantOpenid(origin: string, user: Credentials): Promise<string | undefined> {
  const jar = cookieJar();
  const login = await api(origin, jar, 'POST', '/auth/', { username: user.username, password: user.password });
  if (login.status !== 200) return `sign-in of ${user.username} answered ${login.status}`;
  const grant = await api(origin, jar, 'PUT', `/auth/grant/${RP.id}`, { scope: 'openid' });
  return grant.status === 200 ? undefined : `granting openid for ${user.username} answered ${grant.status}`;
}

export async function startGlewlwyd(options: { dir: string; localUsers: Credentials[]; ldap?: LdapForPeers }): Promise<RunningGlewlwyd> {
  const dir = join(options.dir, 'glewlwyd');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  writeTemplate('glewlwyd/glewlwyd.conf.template', join(dir, 'glewlwyd.conf'), { PORT: String(port), DIR: dir });
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(dir, 'glewlwyd.db'));
  db.exec(readFileSync(SCHEMA, 'utf8'));
  db.close();

  let daemon: PeerProcess | undefined = startProcess(GLEWLWYD_BINARY, ['-c', join(dir, 'glewlwyd.conf')]);
  try {
    await waitForHttp(`${origin}/api/`, daemon, 'glewlwyd');
    const admin = cookieJar();
    await expectOk('admin sign-in', api(origin, admin, 'POST', '/auth/', ADMIN));
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const plugin = jsonTemplate('glewlwyd/oidc-plugin.json', {
      ISSUER: `${origin}${GLEWLWYD_OIDC}`,
      PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      PUBLIC_KEY: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    await expectOk('the OpenID Connect plugin', api(origin, admin, 'POST', '/mod/plugin/', plugin));
    await expectOk(
      'the client credentials scope',
      api(origin, admin, 'POST', '/scope/', { name: GLEWLWYD_CC_SCOPE, display_name: 'bench', password_required: false, scheme: {} }),
    );
    const client = (fields: Record<string, unknown>) => ({ confidential: true, enabled: true, token_endpoint_auth_method: ['client_secret_basic'], ...fields });
    await expectOk(
      'the relying application',
      api(
        origin,
        admin,
        'POST',
        '/client/?source=database',
        client({
          client_id: RP.id,
          name: 'Bench RP',
          client_secret: RP.secret,
          redirect_uri: [REDIRECT_URI],
          authorization_type: ['code', 'refresh_token'],
          scope: [],
        }),
      ),
    );
    await expectOk(
      'the machine client',
      api(
        origin,
        admin,
        'POST',
        '/client/?source=database',
        client({
          client_id: MACHINE.id,
          name: 'Bench machine',
          client_secret: MACHINE.secret,
          redirect_uri: [],
          authorization_type: ['client_credentials'],
          scope: [GLEWLWYD_CC_SCOPE],
        }),
      ),
    );
    for (const [i, user] of options.localUsers.entries()) {
      await expectOk(
        `local user ${user.username}`,
        api(origin, admin, 'POST', '/user/?source=database', {
          username: user.username,
          name: `Bench User ${i}`,
          email: `user${i}@example.test`,
          password: user.password,
          scope: ['openid'],
          enabled: true,
        }),
      );
      const problem = await grantOpenid(origin, user);
      if (problem) throw new Error(`Glewlwyd set-up: ${problem}`);
    }

    let ldapProblem: string | undefined;
    if (options.ldap) {
      const module = jsonTemplate('glewlwyd/ldap-module.json', {
        LDAP_URL: options.ldap.url,
        BIND_DN: options.ldap.bindDn,
        BIND_PASSWORD: options.ldap.bindPassword,
        USER_BASE: options.ldap.userBase,
      });
      const added = await api(origin, admin, 'POST', '/mod/user/', module);
      if (added.status !== 200) ldapProblem = `its LDAP user module was refused: ${added.status} ${(await added.text()).slice(0, 200)}`;
      else {
        await added.arrayBuffer();
        for (const user of options.ldap.users) {
          ldapProblem ??= await grantOpenid(origin, user);
        }
      }
    }
    const running = daemon;
    daemon = undefined;
    return { origin, pid: running.pid, ...(ldapProblem ? { ldapProblem } : {}), stop: () => running.stop() };
  } finally {
    await daemon?.stop();
  }
}
