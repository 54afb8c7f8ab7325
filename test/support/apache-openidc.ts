import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

/**
 * Where a mod_auth_openidc relying party will live, known before admit starts
 * so the client can be registered in admit's config with these URLs.
 */
export interface ApachePlan {
  port: number;
  origin: string;
  /** The protected page: a CGI that prints the OIDC_* environment and REMOTE_USER. */
  appUrl: string;
  /** mod_auth_openidc's vanity redirect URI (also its logout, refresh and back-channel endpoint). */
  redirectUri: string;
  backchannelLogoutUri: string;
  /** An unprotected page to come back to after RP-initiated logout. */
  signedOutUrl: string;
}

export async function planApache(): Promise<ApachePlan> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const redirectUri = `${origin}/app/redirect_uri`;
  return {
    port,
    origin,
    redirectUri,
    appUrl: `${origin}/app/env`,
    backchannelLogoutUri: `${redirectUri}?logout=backchannel`,
    signedOutUrl: `${origin}/signed-out.html`,
  };
}

/** admit's client registration for the plan (first-party, confidential, refresh, back-channel logout). */
export function apacheClient(plan: ApachePlan, clientId: string, clientSecret: string): Record<string, unknown> {
  return {
    client_id: clientId,
    client_name: 'Apache mod_auth_openidc',
    client_secret: clientSecret,
    first_party: true,
    redirect_uris: [plan.redirectUri],
    post_logout_redirect_uris: [plan.signedOutUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    backchannel_logout_uri: plan.backchannelLogoutUri,
    backchannel_logout_session_required: true,
  };
}

export interface ApacheOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** OIDCScope; mod_auth_openidc sends it again on every refresh. */
  scope: string;
  /** OIDCRefreshAccessTokenBeforeExpiry: refresh on a request when the access token has fewer seconds left. */
  refreshBeforeExpiry?: number;
}

export interface RunningApache extends ApachePlan {
  /** The error log so far (mod_auth_openidc logs there; `ADMIT_TEST_APACHE_LOG=debug` for everything). */
  errorLog(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
/** Signals Apache's process group: the parent and its prefork children (which hold the port too). */
const signalGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
};
// A failed test run must not leave servers behind.
process.once('exit', () =>
  running.forEach((child) => {
    signalGroup(child, 'SIGKILL');
  }),
);

/**
 * Starts Debian's Apache httpd with mod_auth_openidc as a relying party of
 * admit: a private config in a temp dir (its own ServerRoot, PidFile and
 * ErrorLog, only the modules it needs, loaded by absolute path), listening on
 * the plan's loopback port, in the foreground (`-D FOREGROUND`, prefork).
 * `/app/` is protected; `/app/env` is a CGI printing what mod_auth_openidc
 * passes to applications.
 */
export async function startApache(plan: ApachePlan, options: ApacheOptions): Promise<RunningApache> {
  if (!existsSync(APACHE) || !existsSync(join(MODULES, 'mod_auth_openidc.so'))) {
    throw new Error('apache2 / libapache2-mod-auth-openidc is not installed: run npm test, which installs them');
  }
  const dir = await mkdtemp(join(tmpdir(), 'admit-apache-'));
  // The children (and so the CGI) run as www-data when we are root.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'htdocs', 'app'), { recursive: true });
  await writeFile(join(dir, 'htdocs', 'app', 'env'), ENV_CGI, { mode: 0o755 });
  await writeFile(join(dir, 'htdocs', 'signed-out.html'), '<!doctype html><title>Signed out</title><h1>Signed out of the Apache application</h1>\n');
  const confPath = join(dir, 'httpd.conf');
  await writeFile(confPath, apacheConf(dir, plan, options), { mode: 0o600 });

  const errorLogPath = join(dir, 'error.log');
  // detached: its own process group, because on SIGTERM the Apache parent signals its whole group (with -D FOREGROUND, ours).
  const child = spawn(APACHE, ['-f', confPath, '-D', 'FOREGROUND'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
  });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const errorLog = () => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`apache2 exited (${child.exitCode}): ${stderr}${errorLog()}`);
    const ok = await fetch(plan.signedOutUrl).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      signalGroup(child, 'SIGKILL');
      throw new Error(`apache2 did not answer on ${plan.origin}: ${stderr}${errorLog()}`);
    }
    await sleep(50);
  }

  return {
    ...plan,
    errorLog,
    async stop() {
      // SIGTERM: the parent stops its children at once and exits.
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      signalGroup(child, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// The "application": what a CGI behind mod_auth_openidc sees, one KEY=VALUE a line.
const ENV_CGI = `#!/bin/sh
printf 'Content-Type: text/plain; charset=utf-8\\r\\nCache-Control: no-store\\r\\n\\r\\n'
env | grep -E '^(OIDC_|REMOTE_USER=)' | sort
`;

function apacheConf(dir: string, plan: ApachePlan, options: ApacheOptions): string {
  const modules = ['mpm_prefork', 'authn_core', 'authz_core', 'authz_user', 'mime', 'cgi', 'auth_openidc'];
  const asRoot = userInfo().uid === 0;
  const passphrase = randomBytes(24).toString('base64url');
  const logLevel = process.env.ADMIT_TEST_APACHE_LOG ?? 'warn';
  return `# Written by test/support/apache-openidc.ts for one test run.
ServerRoot "${dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${plan.port}
PidFile "${dir}/httpd.pid"
DefaultRuntimeDir "${dir}"
ErrorLog "${dir}/error.log"
LogLevel warn auth_openidc:${logLevel}
${modules.map((name) => `LoadModule ${name}_module ${MODULES}/mod_${name}.so`).join('\n')}
${asRoot ? 'User www-data\nGroup www-data' : ''}
StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 8
KeepAlive Off
TypesConfig /etc/mime.types
DocumentRoot "${dir}/htdocs"
<Directory "${dir}/htdocs">
  Require all granted
</Directory>

OIDCProviderMetadataURL ${options.issuer}/.well-known/openid-configuration
OIDCClientID ${options.clientId}
OIDCClientSecret ${options.clientSecret}
OIDCRedirectURI ${plan.redirectUri}
OIDCCryptoPassphrase ${passphrase}
OIDCScope "${options.scope}"
OIDCPKCEMethod S256
OIDCSessionType server-cache
OIDCCacheType shm
OIDCPassClaimsAs environment
OIDCRemoteUserClaim sub
OIDCCookieSameSite On
OIDCDefaultLoggedOutURL ${plan.signedOutUrl}

<Location /app/>
  AuthType openid-connect
  Require valid-user
${options.refreshBeforeExpiry !== undefined ? `  OIDCRefreshAccessTokenBeforeExpiry ${options.refreshBeforeExpiry}\n` : ''}</Location>
<Directory "${dir}/htdocs/app">
  Options +ExecCGI
  SetHandler cgi-script
</Directory>
`;
}
