import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { invitationKey, siteInvitationIndexKey } from '../../src/services/invitations/invitation-model.ts';
import { dueKey, pendingChangesKey } from '../../src/services/outbox/outbox-model.ts';
import { createStore } from '../../src/store/create-store.ts';
import type { Store } from '../../src/store/port.ts';
import { consoleSignIn, getPage, makeAdmin } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit, TEST_SECRET } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { freePort } from '../support/free-port.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { allInvitations, uploadCsv } from './support.ts';

const ROWS = 500;
const sites = [
  {
    id: 'DEMO',
    displayName: 'Demo site',
    directory: { kind: 'local' },
    signUp: { mode: 'invitation' },
    signIn: { changePasswordAtFirstSignIn: false },
    mfa: { required: false },
  },
];
const csvOf = (batch: string) =>
  ['email,name,role,groups', ...Array.from({ length: ROWS }, (_, i) => `p${i}-${batch}@example.com,Person ${i},user,partners`)].join('\n');

let smtp: TestSmtpServer;
let redis: RunningRedis;
let dir: string;
beforeAll(async () => {
  [smtp, redis] = await Promise.all([startSmtpServer(), startRedis()]);
  dir = mkdtempSync(join(tmpdir(), 'admit-import-crash-'));
});
afterAll(async () => {
  await Promise.all([smtp?.stop(), redis?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** `node src/main.ts` on its own, ready once /healthz answers; `kill()` is SIGKILL: no shutdown code runs. */
async function startProcess(env: NodeJS.ProcessEnv, port: number): Promise<{ kill(): Promise<void>; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['src/main.ts'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      orphan();
      throw new Error(`admit did not start on port ${port}:\n${stderr}`);
    }
    await sleep(100);
  }
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null) child.kill(signal);
    await exited;
    process.removeListener('exit', orphan);
  };
  return { kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** Until the outbox holds nothing pending and no half-applied change (or the deadline). */
async function settled(store: Store, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [due, changes] = await Promise.all([store.indexRange(dueKey, { limit: 1 }), store.setMembers(pendingChangesKey)]);
    if (due.length === 0 && changes.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the outbox did not settle: ${due.length} due, ${changes.length} changes`);
    await sleep(100);
  }
}

for (const backend of ['sqlite', 'redis'] as const) {
  describe(`a 500-row CSV import killed (SIGKILL) at a random moment, ${backend}: 0 or 500 invitations after a restart, each email once`, () => {
    // The kill lands while the upload is being processed, then anywhere in the import and its deliveries.
    for (const [round, window] of [
      [1, [50, 700]],
      [2, [0, 2500]],
    ] as const) {
      it(`round ${round}: kill ${window[0]}–${window[1]} ms after the upload starts`, async (_t) => {
        const port = await freePort();
        const keyPrefix = `crash-${randomUUID()}:`;
        const storeUrl = backend === 'sqlite' ? `sqlite:${join(dir, `${randomUUID()}.db`)}` : redis.url;
        const config = {
          server: { allowLoopbackRequests: true },
          store: { url: storeUrl, redis: { keyPrefix } },
          sites,
          mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>', timeoutSeconds: 2 },
          // A short lease: what the killed process had claimed is delivered again within seconds.
          outbox: { leaseSeconds: 3, retryBaseSeconds: 0.2, retryMaxSeconds: 1, pollMs: 100, concurrency: 16 },
          logging: { level: 'warn' },
        };
        const configFile = join(dir, `${randomUUID()}.json`);
        writeFileSync(configFile, JSON.stringify(config));
        const env = { ...process.env, ADMIT_CONFIG: configFile, ADMIT_SECRET: TEST_SECRET, ADMIT_ISSUER: `http://127.0.0.1:${port}`, NODE_ENV: 'test' };
        const store = await createStore(storeUrl, { keyPrefix });
        const running = { issuer: `http://127.0.0.1:${port}`, port, admit: { store } } as unknown as RunningAdmit;
        const admin = await makeAdmin(running, { site: 'DEMO', username: 'gina', adminSites: ['*'] });
        let admit = await startProcess(env, port);
        const browser = new FormBrowser();
        try {
          await consoleSignIn(running, browser, admin);
          const csrf = inputValue((await getPage(running, browser, '/admin/invitations')).html, '_csrf');
          const batch = randomUUID().slice(0, 8);
          const delay = randomInt(window[0], window[1] + 1);
          const started = Date.now();
          let answered: number | undefined;
          const upload = uploadCsv(running, browser, { _csrf: csrf, site: 'DEMO', days: '' }, { name: 'people.csv', content: csvOf(batch) }).then(
            (result) => {
              answered = Date.now() - started;
              return result;
            },
            () => undefined,
          );
          await sleep(delay);
          await admit.kill();
          const result = await upload;
          console.log(`killed at ${delay} ms; the upload ${answered === undefined ? 'got no answer' : `answered ${result?.status} after ${answered} ms`}`);

          const restarted = Date.now();
          admit = await startProcess(env, port);
          const up = Date.now() - restarted;
          await settled(store, 60_000);
          console.log(`restarted in ${up} ms; the outbox settled ${Date.now() - restarted - up} ms later`);
          // The site's index (the console's list) is written in the same change as the records and their emails.
          const ids = (await store.indexRange(siteInvitationIndexKey('DEMO'), { limit: ROWS + 1 })).map((entry) => entry.member);
          assert.ok(ids.length === 0 || ids.length === ROWS, `${ids.length} invitations after the restart`);
          assert.equal(await store.indexCount(siteInvitationIndexKey('DEMO')), ids.length);
          if (answered !== undefined && result?.status === 200) assert.equal(ids.length, ROWS, 'an answered import is whole');
          const records = (await store.getMany(ids.map(invitationKey))).filter((raw) => raw !== undefined);
          assert.equal(records.length, ids.length, 'every listed invitation has its record');

          await sleep(300); // the last SMTP transactions to land in the test server
          const mails = smtp.received.filter((mail) => mail.to[0]?.endsWith(`-${batch}@example.com`));
          const byAddress = new Map<string, Set<string>>();
          for (const mail of mails) byAddress.set(mail.to[0]!, (byAddress.get(mail.to[0]!) ?? new Set()).add(mail.messageId));
          assert.equal(byAddress.size, ids.length, 'every invitee got email, and no one else');
          for (const [address, messageIds] of byAddress) assert.equal(messageIds.size, 1, `${address} got ${messageIds.size} different emails`);
          const repeats = mails.length - byAddress.size;
          console.log(`${ids.length} invitations, ${byAddress.size} invitees emailed, ${repeats} redelivered copies (same Message-ID)`);
          if (ids.length === ROWS) {
            // The console session lives in the store: the same browser is still signed in after the restart.
            // 50 a page: following Next lists all 500, each once, as sent.
            let sent = 0;
            const seen = new Set<string>();
            for (let path: string | undefined = '/admin/invitations'; path; ) {
              const page = await getPage(running, browser, path);
              assert.equal(page.status, 200);
              sent += (page.html.match(/status-sent/g) ?? []).length;
              for (const [, email] of page.html.matchAll(/data-invitation="([^"]+)"/g)) seen.add(email!);
              path = /href="(\/admin\/invitations\?after=[^"]+)" rel="next"/.exec(page.html)?.[1];
            }
            assert.equal(sent, ROWS, 'the console lists all 500 as sent');
            assert.equal(seen.size, ROWS);
          }
        } finally {
          await admit.stop();
          await store.close();
        }
      });
    }
  });
}

describe('a 500-row CSV import answers within 2 s whatever the SMTP server does', () => {
  let running: RunningAdmit;
  for (const backend of ['sqlite', 'redis'] as const) {
    it(`${backend}: an SMTP server that accepts and never answers`, async () => {
      running = await startAdmit({
        ...(backend === 'redis' ? { store: redis.url } : {}),
        config: { sites, mail: { transport: `smtp://127.0.0.1:${smtp.silentPort}`, timeoutSeconds: 5 }, outbox: { leaseSeconds: 20 } },
      });
      try {
        const browser = new FormBrowser();
        await consoleSignIn(running, browser, await makeAdmin(running, { site: 'DEMO', username: 'gina', adminSites: ['*'] }));
        const csrf = inputValue((await getPage(running, browser, '/admin/invitations')).html, '_csrf');
        const started = performance.now();
        const { status, html } = await uploadCsv(
          running,
          browser,
          { _csrf: csrf, site: 'DEMO', days: '' },
          { name: 'people.csv', content: csvOf(randomUUID().slice(0, 8)) },
        );
        const took = performance.now() - started;
        assert.equal(status, 200, html.slice(0, 300));
        assert.match(html, /Imported 500 invitations/);
        assert.ok(took < 2000, `the import took ${Math.round(took)} ms`);
        const invitations = await allInvitations(running, ['DEMO']);
        assert.equal(invitations.length, ROWS);
        assert.ok(
          invitations.every((invitation) => invitation.status === 'queued'),
          'nothing was sent: the server never answers',
        );
        const outbox = await running.admit.outbox.list({ siteIds: ['DEMO'], limit: 10 });
        assert.ok(outbox.messages.every((message) => message.state === 'pending'));
      } finally {
        await running.stop();
      }
    });
  }
});
