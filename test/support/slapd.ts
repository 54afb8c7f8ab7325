import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import { freePort } from './free-port.ts';

const [SLAPD, SLAPADD, LDAPMODIFY] = ['/usr/sbin/slapd', '/usr/sbin/slapadd', '/usr/bin/ldapmodify'];
const BASE_DN = 'dc=example,dc=test';
const [ADMIN_DN, ADMIN_PASSWORD] = [`cn=admin,${BASE_DN}`, 'admin-secret'];
const [SERVICE_DN, SERVICE_PASSWORD] = [`cn=admit,ou=services,${BASE_DN}`, 'service-secret'];
const DECOY_DN = `cn=admit-decoy,ou=services,${BASE_DN}`;

/** The seeded users' password: `<uid>-Passw0rd`. */
export const seedPassword = (uid: string) => `${uid}-Passw0rd`;

export interface RunningSlapd {
  url: string;
  /** With `tls`: the ldaps:// listener, and the CA file that signed the server's certificate (for 127.0.0.1). */
  ldapsUrl?: string;
  caFile?: string;
  port: number;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  serviceDn: string;
  servicePassword: string;
  /** An entry for `directory.decoyDn`: a random password, failures recorded, never locked (policy cn=decoy). */
  decoyDn: string;
  /** Final stop: SIGTERM, wait, remove the temp dir. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. start() brings it back on the same port with the same data. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Applies LDIF as the rootdn (`ldapmodify -a`: plain entries are added, changetype records applied). */
  ldif(text: string): Promise<void>;
  /** With `stats`: the `loglevel stats` lines slapd wrote so far (one per connection event and operation). */
  statsLog(): string[];
}

/** A site's `directory` block for this server, with short timeouts for tests. */
export function directoryFor(server: RunningSlapd, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'ldap',
    flavor: 'openldap',
    urls: [server.url],
    bindDn: server.serviceDn,
    bindPassword: server.servicePassword,
    userBase: `ou=people,${server.baseDn}`,
    connectTimeoutMs: 1000,
    timeoutMs: 2000,
    ...overrides,
  };
}

const running = new Set<ChildProcess>();
// A failed test run must not leave servers behind.
process.once('exit', () =>
  running.forEach((child) => {
    child.kill('SIGKILL');
  }),
);

/**
 * Starts a throwaway OpenLDAP on 127.0.0.1:<free port> in a temp dir, with
 * the ppolicy and memberof overlays and the seeded tree below: users alice,
 * bob (contractor), bobby, carol, grace, heidi, ivan, judy, mallory; dave
 * locked; erin must change (pwdReset); frank expired; groups staff, admins;
 * the decoy entry `decoyDn`. `stats`: slapd logs every operation (statsLog).
 */
export async function startSlapd(options: { tls?: boolean; stats?: boolean } = {}): Promise<RunningSlapd> {
  if (!existsSync(SLAPD)) throw new Error('slapd is not installed: run npm test, which installs it');
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'admit-slapd-'));
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = options.tls ? `ldaps://127.0.0.1:${await freePort()}` : undefined;
  await mkdir(join(dir, 'db'));
  const confPath = join(dir, 'slapd.conf');
  const tls = options.tls ? await makeCertificates(dir) : undefined;
  await writeFile(confPath, slapdConf(dir, tls));
  // Offline load: slapadd accepts operational attributes (pwdReset, pwdAccountLockedTime, ...).
  await run(SLAPADD, ['-f', confPath, '-q'], seedLdif());

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stats: string[] = [];
  async function launch(): Promise<void> {
    // -d 0: stay in the foreground (so we own the process) without debug output; -d stats: one line per operation.
    const listeners = [`${url}/`, ...(ldapsUrl ? [`${ldapsUrl}/`] : [])].join(' ');
    const proc = spawn(SLAPD, ['-f', confPath, '-h', listeners, '-d', options.stats ? 'stats' : '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdio.slice(1).forEach((stream) => {
      stream?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    });
    if (options.stats) collectLines(proc.stderr!, stats);
    running.add(proc);
    child = proc;
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        running.delete(proc);
        resolve();
      }),
    );
    const deadline = Date.now() + 10_000;
    while (!(await answers(url))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`slapd did not start on ${url}:\n${output}`);
      }
      await sleep(30);
    }
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  }

  await launch().catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const server: RunningSlapd = {
    url,
    port,
    ldapsUrl,
    caFile: tls?.caFile,
    baseDn: BASE_DN,
    adminDn: ADMIN_DN,
    adminPassword: ADMIN_PASSWORD,
    serviceDn: SERVICE_DN,
    servicePassword: SERVICE_PASSWORD,
    decoyDn: DECOY_DN,
    async stop() {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    kill: () => halt('SIGKILL'),
    start: launch,
    ldif: (text) => run(LDAPMODIFY, ['-a', '-x', '-H', url, '-D', ADMIN_DN, '-w', ADMIN_PASSWORD], text),
    statsLog: () => [...stats],
  };
  // Groups are added online so the memberof overlay fills the users' memberOf; the decoy so its password is hashed.
  await server.ldif(groupsLdif() + decoyLdif());
  return server;
}

/** A throwaway CA and a server certificate for 127.0.0.1 it signed (openssl, from the Debian base system). */
async function makeCertificates(dir: string): Promise<{ caFile: string; certFile: string; keyFile: string }> {
  const [caKey, caFile, keyFile, csr, certFile, ext] = ['ca.key', 'ca.pem', 'server.key', 'server.csr', 'server.pem', 'server.ext'].map((name) =>
    join(dir, name),
  ) as [string, string, string, string, string, string];
  const openssl = (...args: string[]) => run('openssl', args, '');
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '2',
    '-subj',
    '/CN=admit test CA',
  );
  await openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=127.0.0.1');
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await openssl('x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext);
  return { caFile, certFile, keyFile };
}

/** Splits a stream into whole lines, appended to `lines` as they arrive. */
function collectLines(stream: NodeJS.ReadableStream, lines: string[]): void {
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line !== ''));
  });
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ url, connectTimeout: 500, timeout: 1000 });
  const bound = await client.bind(ADMIN_DN, ADMIN_PASSWORD).then(
    () => true,
    () => false,
  );
  await client.unbind().catch(() => undefined);
  return bound;
}

function run(command: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    [proc.stdout, proc.stderr].forEach((stream) => {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    });
    proc.once('error', reject);
    proc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}:\n${output}`))));
    proc.stdin.end(input);
  });
}

/** slapd.conf: mdb, ppolicy (lockout after 3 failures), memberof; the service account reads all, writes passwords and locks. */
function slapdConf(dir: string, tls?: { caFile: string; certFile: string; keyFile: string }): string {
  const tlsLines = tls ? `TLSCACertificateFile ${tls.caFile}\nTLSCertificateFile ${tls.certFile}\nTLSCertificateKeyFile ${tls.keyFile}\n` : '';
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
moduleload memberof
pidfile ${dir}/slapd.pid
${tlsLines}database mdb
suffix "${BASE_DN}"
rootdn "${ADMIN_DN}"
rootpw ${ADMIN_PASSWORD}
directory ${dir}/db
maxsize 10485760
overlay memberof
memberof-refint TRUE
overlay ppolicy
ppolicy_default "cn=default,ou=policies,${BASE_DN}"
ppolicy_use_lockout
ppolicy_hash_cleartext
access to attrs=userPassword by dn.exact="${SERVICE_DN}" write by self write by anonymous auth by * none
access to attrs=pwdAccountLockedTime by dn.exact="${SERVICE_DN}" write by * none
access to * by dn.exact="${SERVICE_DN}" read by self read by * none
`;
}

/** One LDIF record; an array value is a multi-valued attribute. */
function entry(dn: string, attributes: Record<string, string | string[]>): string {
  const lines = Object.entries(attributes).flatMap(([name, value]) => [value].flat().map((one) => `${name}: ${one}`));
  return [`dn: ${dn}`, ...lines, '', ''].join('\n');
}

/** The tree; ppolicy state (locked, must change, expired) is set here because only slapadd may write it. */
function seedLdif(): string {
  const ou = (name: string) => entry(`ou=${name},${BASE_DN}`, { objectClass: 'organizationalUnit', ou: name });
  const policy = (cn: string, extra: Record<string, string>) =>
    entry(`cn=${cn},ou=policies,${BASE_DN}`, {
      objectClass: ['organizationalRole', 'pwdPolicy'],
      cn,
      pwdAttribute: 'userPassword',
      pwdLockout: 'TRUE',
      pwdMaxFailure: '3',
      pwdLockoutDuration: '0',
      pwdMinLength: '8',
      pwdCheckQuality: '1',
      pwdInHistory: '3',
      pwdAllowUserChange: 'TRUE',
      ...extra,
    });
  const strict = { pwdPolicySubentry: `cn=strict,ou=policies,${BASE_DN}` };
  return [
    entry(BASE_DN, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'Example' }),
    ...['people', 'groups', 'services', 'policies'].map(ou),
    policy('default', { pwdMustChange: 'FALSE' }),
    policy('strict', { pwdMustChange: 'TRUE', pwdMaxAge: '31536000', pwdGraceAuthNLimit: '0' }),
    entry(SERVICE_DN, { objectClass: ['organizationalRole', 'simpleSecurityObject'], cn: 'admit', userPassword: SERVICE_PASSWORD }),
    ...['alice', 'bob', 'bobby', 'carol', 'grace', 'heidi', 'ivan', 'judy', 'mallory'].map((uid) => user(uid)),
    user('dave', { pwdAccountLockedTime: '20240101000000Z' }),
    user('erin', { pwdReset: 'TRUE', ...strict }),
    user('frank', { pwdChangedTime: '20000101000000Z', ...strict }),
  ].join('');
}

/** A user whose password is seedPassword(uid); bob is the one contractor. */
function user(uid: string, extra: Record<string, string> = {}): string {
  const name = uid[0]!.toUpperCase() + uid.slice(1);
  return entry(`uid=${uid},ou=people,${BASE_DN}`, {
    objectClass: 'inetOrgPerson',
    uid,
    cn: name,
    sn: 'Test',
    displayName: `${name} Test`,
    mail: `${uid}@example.test`,
    telephoneNumber: '+1 555 0100',
    employeeType: uid === 'bob' ? 'contractor' : 'staff',
    userPassword: seedPassword(uid),
    ...extra,
  });
}

/**
 * The decoy for unknown user names: ppolicy records its failed binds (as it
 * does a user's, the write that costs) but keeps only 5 and never locks it.
 */
function decoyLdif(): string {
  return (
    entry(`cn=decoy,ou=policies,${BASE_DN}`, {
      objectClass: ['organizationalRole', 'pwdPolicy'],
      cn: 'decoy',
      pwdAttribute: 'userPassword',
      pwdLockout: 'FALSE',
      pwdMaxRecordedFailure: '5',
    }) +
    entry(DECOY_DN, {
      objectClass: ['organizationalRole', 'simpleSecurityObject'],
      cn: 'admit-decoy',
      userPassword: randomBytes(18).toString('base64url'),
      pwdPolicySubentry: `cn=decoy,ou=policies,${BASE_DN}`,
    })
  );
}

function groupsLdif(): string {
  const group = (cn: string, members: string[]) =>
    entry(`cn=${cn},ou=groups,${BASE_DN}`, {
      objectClass: 'groupOfNames',
      cn,
      member: members.map((uid) => `uid=${uid},ou=people,${BASE_DN}`),
    });
  return group('staff', ['alice', 'bob']) + group('admins', ['alice']);
}
