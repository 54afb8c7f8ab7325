import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLdapConnector } from '../../plugins/connector-ldap/ldap-connector.ts';
import type { PasswordConnector } from '../../src/kit/index.ts';
import { directoryFor, type RunningSlapd, startSlapd } from '../support/slapd.ts';

// Issue 13 item 4: a wrong password for a known user took 14.7 ms, an unknown
// user name 7.0 ms. The difference was the server's own work: ppolicy records
// a known user's failed bind (a write), and refuses a DN that does not exist
// at once. The decoy entry (`decoyDn`) makes an unknown name cost that work too.

const TRIES = 200;
/** The one retry measures this many times more: on a loaded machine a median of 200 can move by 15 %. */
const RETRY_FACTOR = 3;
const WARM_UP = 20;
/** Every known user is tried once: a user's first wrong passwords are what a name-guesser's tries are (the 4th locks). */
const KNOWN_USERS = 2 * WARM_UP + TRIES * (1 + RETRY_FACTOR) + 40;

let slapd: RunningSlapd;
const connectors: PasswordConnector[] = [];
let nextKnown = 0;
const knownUser = () => `timing-${nextKnown++}`;
const unknownUser = () => `nobody-${randomBytes(6).toString('hex')}`;
const wrongPassword = () => `Wrong-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  slapd = await startSlapd({ stats: true });
  const people = `ou=people,${slapd.baseDn}`;
  await slapd.ldif(
    Array.from(
      { length: KNOWN_USERS },
      (_, i) =>
        `dn: uid=timing-${i},${people}\nobjectClass: inetOrgPerson\nuid: timing-${i}\ncn: Timing ${i}\nsn: Test\nmail: timing-${i}@example.test\nuserPassword: timing-${i}-Passw0rd\n\n`,
    ).join(''),
  );
});
afterAll(async () => {
  await Promise.all(connectors.map((connector) => connector.close?.()));
  await slapd.stop();
});

function connector(overrides: Record<string, unknown> = {}): PasswordConnector {
  const created = createLdapConnector(directoryFor(slapd, overrides));
  connectors.push(created);
  return created;
}

/** The stats lines of the last operationsOf call. */
let lastWindow: string[] = [];

/** Waits until slapd has logged everything: no new stats line for 100 ms. */
async function settledLog(): Promise<string[]> {
  let lines = slapd.statsLog();
  for (;;) {
    await sleep(100);
    const now = slapd.statsLog();
    if (now.length === lines.length) return now;
    lines = now;
  }
}

/**
 * What slapd did for `tries` sign-ins, from its stats log: per connection,
 * its operations and results; connections already open before are the
 * service pool's, the others were opened by the sign-ins. Values (DNs,
 * filters, the number of entries found) are left out: only their shape.
 */
async function operationsOf(tries: number, signIn: () => Promise<unknown>) {
  const start = (await settledLog()).length;
  for (let i = 0; i < tries; i += 1) await signIn();
  const lines = (await settledLog()).slice(start);
  lastWindow = lines;
  const opened = new Set(lines.filter((line) => / ACCEPT from /.test(line)).map((line) => /conn=(\d+)/.exec(line)![1]));
  const counts: Record<string, number> = {};
  for (const line of lines) {
    const conn = /conn=(\d+)/.exec(line)?.[1];
    const what = / (ACCEPT|BIND|UNBIND|SRCH base|SEARCH RESULT|RESULT|closed|MOD|ADD|DEL|CMP|EXT)\b(?:.* (err=\d+))?/.exec(line);
    if (!conn || !what) continue;
    const key = `${opened.has(conn) ? 'new connection' : 'pooled connection'}: ${what[1]}${what[2] ? ` ${what[2]}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The newest failure the server recorded on an entry (ppolicy's pwdFailureTime). */
async function lastFailure(dn: string): Promise<string | undefined> {
  const admin = new Client({ url: slapd.url, timeout: 2000 });
  try {
    await admin.bind(slapd.adminDn, slapd.adminPassword);
    const [entry] = (await admin.search(dn, { scope: 'base', attributes: ['pwdFailureTime', 'pwdAccountLockedTime'] })).searchEntries;
    assert.deepEqual([entry?.pwdAccountLockedTime ?? []].flat(), [], `${dn} is locked`);
    return [entry?.pwdFailureTime ?? []].flat().map(String).sort().at(-1);
  } finally {
    await admin.unbind();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Interleaved pairs, the order swapped every pair so a drift in load falls on both sides; the warm-up is dropped. */
async function measure(ldap: PasswordConnector, tries: number) {
  const known: number[] = [];
  const unknown: number[] = [];
  const timed = async (username: string, into: number[]) => {
    const started = performance.now();
    const outcome = await ldap.verifyPassword({ username, password: wrongPassword() });
    into.push(performance.now() - started);
    assert.deepEqual(outcome, { status: 'invalid' }, username);
  };
  for (let pair = 0; pair < WARM_UP + tries; pair += 1) {
    const sides = [() => timed(knownUser(), known), () => timed(unknownUser(), unknown)];
    for (const side of pair % 2 ? sides.reverse() : sides) await side();
  }
  const [knownMs, unknownMs] = [median(known.slice(WARM_UP)), median(unknown.slice(WARM_UP))];
  return { tries, knownMs, unknownMs, gap: Math.abs(knownMs - unknownMs) / Math.min(knownMs, unknownMs) };
}

const describeRun = ({ tries, knownMs, unknownMs, gap }: Awaited<ReturnType<typeof measure>>) =>
  `${tries} tries each: median ${knownMs.toFixed(2)} ms for a wrong password, ${unknownMs.toFixed(2)} ms for an unknown user (${(gap * 100).toFixed(1)} % apart)`;

describe('LDAP sign-in: an unknown user name costs what a wrong password costs', () => {
  it('takes the same searches and binds on the same connections, and the server records a failure for both', async () => {
    const ldap = connector({ decoyDn: slapd.decoyDn });
    await ldap.verifyPassword({ username: unknownUser(), password: wrongPassword() }); // opens the service connection

    const known = await operationsOf(20, () => ldap.verifyPassword({ username: knownUser(), password: wrongPassword() }));
    const unknown = await operationsOf(20, () => ldap.verifyPassword({ username: unknownUser(), password: wrongPassword() }));
    assert.deepEqual(known, {
      'pooled connection: SRCH base': 20,
      'pooled connection: SEARCH RESULT err=0': 20,
      'new connection: ACCEPT': 20,
      'new connection: BIND': 20,
      'new connection: RESULT err=49': 20,
      'new connection: UNBIND': 20,
      'new connection: closed': 20,
    });
    assert.deepEqual(unknown, known);
    assert.equal(lastWindow.filter((line) => line.includes(`BIND dn="${slapd.decoyDn}"`)).length, 20, 'every unknown name bound as the decoy');

    // ppolicy's failure record is the write a wrong password costs the server; the decoy's bind makes it too.
    const user = knownUser();
    const [userBefore, decoyBefore] = [await lastFailure(`uid=${user},ou=people,${slapd.baseDn}`), await lastFailure(slapd.decoyDn)];
    await ldap.verifyPassword({ username: user, password: wrongPassword() });
    await ldap.verifyPassword({ username: unknownUser(), password: wrongPassword() });
    assert.notEqual(await lastFailure(`uid=${user},ou=people,${slapd.baseDn}`), userBefore);
    assert.notEqual(await lastFailure(slapd.decoyDn), decoyBefore, 'the decoy recorded the failure and is not locked');
  });

  it('without decoyDn still takes the same operations (a bind to a DN that does not exist)', async () => {
    const ldap = connector();
    await ldap.verifyPassword({ username: unknownUser(), password: wrongPassword() });
    const known = await operationsOf(5, () => ldap.verifyPassword({ username: knownUser(), password: wrongPassword() }));
    const unknown = await operationsOf(5, () => ldap.verifyPassword({ username: unknownUser(), password: wrongPassword() }));
    assert.deepEqual(unknown, known);
  });

  it(`takes as long: medians of ${TRIES} interleaved tries within 10 %`, async () => {
    const ldap = connector({ decoyDn: slapd.decoyDn });
    let run = await measure(ldap, TRIES);
    console.log(describeRun(run));
    // One retry, said here: on a shared 2-core machine other processes' load skews the tries'
    // times (p90 5-10 times the median), and a median of 200 then moves by up to ~15 % on noise
    // alone; the retry takes three times the tries, so its median holds still.
    if (run.gap > 0.1) {
      console.log('more than 10 % apart: measuring once more, with more tries');
      run = await measure(ldap, TRIES * RETRY_FACTOR);
      console.log(describeRun(run));
    }
    assert.ok(run.gap <= 0.1, describeRun(run));
  });
});
