/**
 * LemonLDAP::NG 2.16 (Debian `lemonldap-ng-fastcgi-server`,
 * `liblemonldap-ng-portal-perl`) as a peer: its FastCGI server
 * (llng-fastcgi-server, Debian's user www-data and its default number of
 * processes) behind nginx, as Debian's portal-nginx.conf sets it up, on a
 * free loopback port. Its configuration (lemonldap-ng.ini and lmConf-1.json,
 * bench/peers/lemonldap/) is written to the run's temporary directory and
 * named by LLNG_DEFAULTCONFFILE: LDAP authentication against the benchmark's
 * OpenLDAP, the OpenID Connect issuer with an RS256 key made for the run, the
 * benchmark's two clients (consent bypassed for the relying application, as
 * admit's first-party client), sessions in files there.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/support/free-port.ts';
import { MACHINE, REDIRECT_URI, RP } from '../servers/clients.ts';
import { type PeerProcess, startProcess, waitForHttp, writeTemplate } from './common.ts';
import type { LdapForPeers } from './glewlwyd.ts';
import { LEMONLDAP_PATHS } from './lemonldap-paths.ts';

const FASTCGI_SERVER = '/usr/sbin/llng-fastcgi-server';
const NGINX = '/usr/sbin/nginx';
/** Debian runs the FastCGI server as www-data (/etc/default/lemonldap-ng-fastcgi-server); it refuses root. */
const RUN_AS = 'www-data';
/** Debian's default process count (llng-fastcgi-server's NPROC). */
const FASTCGI_PROCESSES = 7;

export interface RunningLemonldap {
  origin: string;
  /** The nginx master and the FastCGI manager: their process trees are the server. */
  roots(): number[];
  stop(): Promise<void>;
}

export async function startLemonldap(options: { dir: string; ldap?: LdapForPeers }): Promise<RunningLemonldap> {
  if (!options.ldap) throw new Error('LemonLDAP::NG needs a directory to authenticate against, and this run has no OpenLDAP');
  const dir = join(options.dir, 'lemonldap');
  for (const sub of ['', 'conf', 'cache', 'sessions', 'sessions/lock', 'psessions', 'psessions/lock']) mkdirSync(join(dir, sub), { recursive: true });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (key: typeof keys.privateKey, type: 'pkcs8' | 'spki') => JSON.stringify(key.export({ type, format: 'pem' }).toString()).slice(1, -1);
  writeTemplate(
    'lemonldap/lemonldap-ng.ini.template',
    join(dir, 'lemonldap-ng.ini'),
    { DIR: dir, LOG_LEVEL: process.env.BENCH_LLNG_LOG_LEVEL ?? 'error' },
    0o644,
  );
  writeTemplate(
    'lemonldap/lmConf-1.json.template',
    join(dir, 'conf', 'lmConf-1.json'),
    {
      PORTAL: origin,
      DIR: dir,
      LDAP_URL: options.ldap.url,
      USER_BASE: options.ldap.userBase,
      BIND_DN: options.ldap.bindDn,
      BIND_PASSWORD: options.ldap.bindPassword,
      PRIVATE_KEY: pem(keys.privateKey, 'pkcs8'),
      PUBLIC_KEY: pem(keys.publicKey, 'spki'),
      RP_ID: RP.id,
      RP_SECRET: RP.secret,
      MACHINE_ID: MACHINE.id,
      MACHINE_SECRET: MACHINE.secret,
      REDIRECT_URI,
    },
    0o640,
  );
  writeTemplate('lemonldap/nginx.conf.template', join(dir, 'nginx.conf'), { DIR: dir, PORT: String(port) }, 0o644);
  // The FastCGI server runs as www-data: it reads the configuration and writes sessions and caches here.
  const uid = Number(execFileSync('id', ['-u', RUN_AS], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', RUN_AS], { encoding: 'utf8' }).trim());
  chmodSync(options.dir, 0o755);
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
  chownSync(dir, uid, gid);

  const env = { LLNG_DEFAULTCONFFILE: join(dir, 'lemonldap-ng.ini') };
  let fastcgi: PeerProcess | undefined = startProcess(
    FASTCGI_SERVER,
    ['--foreground', '-u', RUN_AS, '-g', RUN_AS, '-n', String(FASTCGI_PROCESSES), '-s', join(dir, 'llng-fastcgi.sock'), '-p', join(dir, 'llng-fastcgi.pid')],
    { env, logFile: join(dir, 'llng-fastcgi.log') },
  );
  let nginx: PeerProcess | undefined;
  try {
    nginx = startProcess(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
    await waitForHttp(`${origin}/static/`, nginx, 'nginx');
    // The portal answers once the FastCGI processes have loaded the Perl modules.
    const until = Date.now() + 60_000;
    for (;;) {
      const answer = await fetch(`${origin}${LEMONLDAP_PATHS.discovery}`).catch(() => undefined);
      if (answer?.status === 200) break;
      if (!fastcgi.running()) throw new Error(`llng-fastcgi-server exited:\n${fastcgi.output()}`);
      if (Date.now() > until)
        throw new Error(`LemonLDAP::NG's discovery did not answer 200 in time (${answer?.status ?? 'no answer'}); its log: ${join(dir, 'llng-fastcgi.log')}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const [runningFastcgi, runningNginx] = [fastcgi, nginx];
    fastcgi = undefined;
    nginx = undefined;
    return {
      origin,
      roots: () => [runningNginx.pid, runningFastcgi.pid],
      async stop() {
        await Promise.all([runningNginx.stop(), runningFastcgi.stop()]);
      },
    };
  } finally {
    await nginx?.stop();
    await fastcgi?.stop();
  }
}
