/**
 * `--peers`: installs the peers' Debian packages (only then), starts each on
 * free loopback ports against the benchmark's OpenLDAP and clients, tries
 * every operation once (a peer that cannot do one is shown with the failure,
 * as measured), and gives the measuring loop their processes to watch.
 */
import { existsSync } from 'node:fs';
import type { PeerServer } from '../harness/measure.ts';
import { processTree } from '../lib/proc-stat.ts';
import { createHttpClient } from '../load/http-flow.ts';
import type { OperationId, SignInUsers } from '../load/operations.ts';
import type { Credentials } from '../load/sign-in-steps.ts';
import { peerLocalUsers, residentMiB } from './common.ts';
import { GLEWLWYD_BINARY, type LdapForPeers, startGlewlwyd } from './glewlwyd.ts';
import { installPeers } from './install.ts';
import { startLemonldap } from './lemonldap.ts';
import { peerSteps } from './steps.ts';

/** The operations issue 17's side-by-side table has; the others are admit-and-baseline only. */
export const PEER_OPERATIONS: readonly OperationId[] = ['discovery', 'jwks', 'cc-opaque', 'signin-argon2', 'signin-ldap'];
const NOT_IN_TABLE = 'not run on the peers (their table: discovery, JWKS, client_credentials, sign-ins)';

export interface RunningPeer extends PeerServer {
  /** VmRSS of its processes now, MiB. */
  residentMiB(): number;
  note?: string;
  stop(): Promise<void>;
}

export interface Peers {
  running: RunningPeer[];
  /** Peers that could not be started at all, with why. */
  failed: { label: string; reason: string }[];
  stop(): Promise<void>;
}

/** Tries each operation once on a started peer: the failures become the table's reasons. */
async function probe(kind: 'glewlwyd' | 'lemonldap', origin: string, users: SignInUsers, known: Partial<Record<OperationId, string>>) {
  const reasons = new Map<OperationId, string>();
  const client = createHttpClient(origin, 4);
  try {
    for (const op of PEER_OPERATIONS) {
      if (known[op]) {
        reasons.set(op, known[op]!);
        continue;
      }
      const outcome = await client.runFlow(peerSteps(op, { kind, origin }, users));
      if (!outcome.ok) reasons.set(op, `a trial ${op} failed at "${outcome.step}": ${outcome.detail.replace(/\s+/g, ' ').slice(0, 160)}`);
    }
  } finally {
    client.close();
  }
  return (op: OperationId) => (PEER_OPERATIONS.includes(op) ? reasons.get(op) : NOT_IN_TABLE);
}

export async function startPeers(options: { dir: string; ldap?: LdapForPeers; log(line: string): void }): Promise<{ peers: Peers; users: Credentials[] }> {
  const installed = installPeers();
  if (installed.length > 0) options.log(`peers: installed ${installed.join(' ')}`);
  const localUsers = peerLocalUsers(8);
  const users: SignInUsers = { argon2: [], totp: [], cheap: [], ldap: options.ldap?.users ?? [], peerLocal: localUsers };
  const running: RunningPeer[] = [];
  const failed: Peers['failed'] = [];
  const noLdap = options.ldap ? undefined : 'no OpenLDAP in this run';

  if (existsSync(GLEWLWYD_BINARY)) {
    try {
      options.log('peers: starting Glewlwyd 2.7.5 (SQLite)');
      const glewlwyd = await startGlewlwyd({ dir: options.dir, localUsers, ...(options.ldap ? { ldap: options.ldap } : {}) });
      const unsupported = await probe('glewlwyd', glewlwyd.origin, users, { 'signin-ldap': noLdap ?? glewlwyd.ldapProblem });
      running.push({
        kind: 'glewlwyd',
        label: 'Glewlwyd 2.7.5',
        origin: glewlwyd.origin,
        watch: glewlwyd.pid,
        unsupported,
        residentMiB: () => residentMiB([glewlwyd.pid]),
        note: 'local users: its database module, PBKDF2 (its default iterations); access tokens are JWTs (RS256)',
        stop: glewlwyd.stop,
      });
    } catch (error) {
      failed.push({ label: 'Glewlwyd 2.7.5', reason: (error as Error).message.split('\n')[0]! });
    }
  } else failed.push({ label: 'Glewlwyd 2.7.5', reason: `${GLEWLWYD_BINARY} is not installed` });

  try {
    options.log('peers: starting LemonLDAP::NG 2.16 (FastCGI behind nginx)');
    const lemonldap = await startLemonldap({ dir: options.dir, ...(options.ldap ? { ldap: options.ldap } : {}) });
    const unsupported = await probe('lemonldap', lemonldap.origin, users, {
      'signin-argon2': 'no local store: LemonLDAP::NG authenticates against a directory (here OpenLDAP) or another identity provider',
      'signin-ldap': noLdap,
    });
    running.push({
      kind: 'lemonldap',
      label: 'LemonLDAP::NG 2.16',
      origin: lemonldap.origin,
      watch: () => lemonldap.roots().flatMap((root) => processTree(root)),
      unsupported,
      residentMiB: () => residentMiB(lemonldap.roots().flatMap((root) => processTree(root))),
      note: 'nginx and the FastCGI portal processes; sessions in files',
      stop: lemonldap.stop,
    });
  } catch (error) {
    failed.push({ label: 'LemonLDAP::NG 2.16', reason: (error as Error).message.split('\n')[0]! });
  }

  return {
    users: localUsers,
    peers: {
      running,
      failed,
      async stop() {
        await Promise.all(running.map((peer) => peer.stop()));
      },
    },
  };
}
