import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { composeAdmit } from '../../src/compose.ts';
import type { Config } from '../../src/config/schema.ts';
import { configSchema } from '../../src/connectors.ts';
import { hashPassword } from '../../src/kit/index.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createAuditLog } from '../../src/services/audit/audit-log.ts';
import { newDeviceId } from '../../src/services/mfa/devices.ts';
import { type Store, storeKey } from '../../src/store/port.ts';
import { personAt } from './people.ts';

export const SCALE_SITES = ['DEMO', 'EMEA', 'APAC', 'AMER'] as const;
/** The audit entries are spread over this many days, ending today (the export asks for all of them). */
export const AUDIT_DAYS = 30;
const DAY_MS = 86_400_000;

export interface SeedCounts {
  accounts: number;
  pending: number;
  audit: number;
}

export interface SeedRate {
  what: string;
  count: number;
  seconds: number;
  perSecond: number;
}

export interface ConsoleAdmin {
  username: string;
  password: string;
  site: string;
  totpSecret: string;
}

/** Runs `task(i)` for i in [0, count) with `concurrency` in flight, printing progress every `every` items. */
async function inBatches(
  what: string,
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
  log: (line: string) => void,
): Promise<SeedRate> {
  const started = performance.now();
  const every = Math.max(1000, Math.round(count / 10));
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
      done += 1;
      if (done % every === 0 || done === count) {
        const seconds = (performance.now() - started) / 1000;
        log(`seed ${what}: ${done.toLocaleString('en')} / ${count.toLocaleString('en')} (${Math.round(done / seconds).toLocaleString('en')}/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { what, count, seconds: Math.round(seconds * 10) / 10, perSecond: Math.round(count / seconds) };
}

const ACTIONS = [
  { action: 'sign_in', outcome: 'ok', weight: 70 },
  { action: 'sign_in', outcome: 'invalid', weight: 12 },
  { action: 'sign_in.mfa', outcome: 'ok', weight: 10 },
  { action: 'portal.password.change', outcome: 'ok', weight: 4 },
  { action: 'admin.user.disable', outcome: 'ok', weight: 2 },
  { action: 'admin.request.approve', outcome: 'ok', weight: 2 },
] as const;
const ACTION_WHEEL = ACTIONS.flatMap((entry) => Array.from({ length: entry.weight }, () => entry));

/** Entries per audit.recordMany call while seeding: a few writes per thousand entries instead of two per entry. */
const AUDIT_BATCH = 1000;

/**
 * `counts.audit` entries through admit's audit log (recordMany, a batch at a
 * time), from entry `from` on (a seeding that stopped midway continues where
 * it was), on a clock that walks from AUDIT_DAYS days ago to now, one step
 * per entry, so the entries spread over the days whatever run wrote them.
 */
export async function seedAudit(options: {
  store: Store;
  retentionDays: number;
  counts: SeedCounts;
  from: number;
  log: (line: string) => void;
  now?: number;
}): Promise<SeedRate> {
  const { counts, from } = options;
  const end = (options.now ?? Date.now()) - 60_000;
  const start = end - AUDIT_DAYS * DAY_MS + DAY_MS;
  let tick = from;
  const audit = createAuditLog({
    logger: pino({ level: 'silent' }),
    store: options.store,
    retentionDays: options.retentionDays,
    clock: () => start + Math.floor((tick++ * (end - start)) / Math.max(1, counts.audit)),
  });
  const started = performance.now();
  const every = Math.max(AUDIT_BATCH, Math.round(counts.audit / 10 / AUDIT_BATCH) * AUDIT_BATCH);
  for (let first = from; first < counts.audit; first += AUDIT_BATCH) {
    const batch = Array.from({ length: Math.min(AUDIT_BATCH, counts.audit - first) }, (_, offset) => {
      const index = first + offset;
      const person = personAt((index * 7919) % counts.accounts);
      const { action, outcome } = ACTION_WHEEL[index % ACTION_WHEEL.length]!;
      const admin = action.startsWith('admin.');
      return {
        action,
        outcome,
        site: SCALE_SITES[index % SCALE_SITES.length],
        username: person.username,
        ...(admin ? { actor: 'scale.admin@DEMO' } : {}),
        ...(action === 'sign_in' && outcome === 'ok' ? { detail: { client: 'bench-rp', acr: 'urn:admit:acr:password' } } : {}),
      };
    });
    await audit.recordMany(undefined, batch);
    const done = first + batch.length;
    if ((done - from) % every === 0 || done === counts.audit) {
      const seconds = (performance.now() - started) / 1000;
      options.log(`${done.toLocaleString('en')} / ${counts.audit.toLocaleString('en')} (${Math.round((done - from) / seconds).toLocaleString('en')}/s)`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const count = counts.audit - from;
  return { what: 'audit entries', count, seconds: Math.round(seconds * 10) / 10, perSecond: Math.round(count / Math.max(seconds, 0.001)) };
}

/**
 * Fills admit's store through its own services, in this process, before the
 * benchmark's admit starts: local-directory users (one shared argon2id hash)
 * and their accounts (accounts.linkOrCreate, as a first sign-in makes them)
 * over four sites; `pending` of them wait for approval with an access
 * request each (approval.requests.submit, emails to the outbox included);
 * `audit` entries through the audit log spread over AUDIT_DAYS days; and a
 * global admin with an authenticator app for the console sign-in.
 */
export async function seedScale(options: {
  config: Record<string, unknown>;
  storeUrl: string;
  masterSecret: string;
  counts: SeedCounts;
  concurrency: number;
  log: (line: string) => void;
  /** Phases a killed seeding finished before (seed-progress.json): they are not seeded again. */
  done?: SeedRate[];
  /** Called after each phase, so a kept store can resume after the last one finished. */
  onPhase?: (rates: SeedRate[]) => void;
}): Promise<{ admin: ConsoleAdmin; rates: SeedRate[] }> {
  const parsed = configSchema.parse({ ...options.config, secret: options.masterSecret });
  const config = {
    ...parsed,
    store: { ...parsed.store, url: options.storeUrl },
    server: { ...parsed.server, issuer: String((options.config.server as { issuer: string }).issuer) },
  } as Config;
  const silent = pino({ level: 'silent' });
  const admit = await composeAdmit(config, silent);
  const { log, counts, concurrency } = options;
  try {
    const store = admit.store;
    const accounts = createAccountService({ store });
    const password = 'Scale-Passw0rd!';
    const passwordHash = await hashPassword(password);
    const createdAt = new Date().toISOString();
    const rates: SeedRate[] = [...(options.done ?? [])];
    // A phase runs unless an earlier run finished it; its rate is kept for the report either way.
    const phase = async (what: string, count: number, task: (index: number) => Promise<void>, whole?: (what: string) => Promise<SeedRate>) => {
      if (rates.some((rate) => rate.what === what)) {
        log(`seed ${what}: done by an earlier run, kept`);
        return;
      }
      rates.push(whole ? await whole(what) : await inBatches(what, count, concurrency, task, log));
      options.onPhase?.(rates);
    };

    const addPerson = async (index: number, status?: 'pending_approval' | 'disabled') => {
      const person = personAt(index);
      const siteId = SCALE_SITES[index % SCALE_SITES.length]!;
      const user = {
        id: randomUUID(),
        username: person.username,
        passwordHash,
        email: person.email,
        name: person.name,
        groups: ['partners'],
        disabled: false,
        createdAt,
      };
      // The local directory's record key (plugins/connector-local): `local-user:{<site>:<lower-case name>}`.
      await store.set(storeKey('local-user', `${siteId}:${person.username}`), JSON.stringify(user));
      return accounts.linkOrCreate(
        siteId,
        'local',
        { externalId: user.id, username: user.username, name: user.name, email: user.email, emailVerified: true, groups: user.groups },
        status ? { status } : {},
      );
    };

    // The first `pending` people asked for access and wait; about 1 in 50 of the rest is disabled.
    await phase('access requests', counts.pending, async (index) => {
      const account = await addPerson(index, 'pending_approval');
      await admit.approval.requests.submit({
        siteId: account.siteId,
        accountId: account.id,
        username: account.username,
        name: account.name ?? account.username,
        email: account.email ?? '',
        organisation: `${account.email?.split('@')[1]?.replace(/\.test$/, '') ?? 'partner'} Ltd`,
        reason: 'Partner portal access for our support team',
      });
    });
    await phase('accounts', counts.accounts - counts.pending, async (offset) => {
      const index = counts.pending + offset;
      await addPerson(index, index % 50 === 49 ? 'disabled' : undefined);
    });

    await phase(
      'audit entries',
      counts.audit,
      async () => {},
      (what) => seedAudit({ store, retentionDays: config.audit.retentionDays, counts, from: 0, log: (line) => log(`seed ${what}: ${line}`) }),
    );

    // The console's admin: a global admin who signed in before, with an authenticator app (the console asks for MFA).
    const username = 'scale.admin';
    const user = {
      id: randomUUID(),
      username,
      passwordHash,
      email: 'scale.admin@admins.test',
      name: 'Scale Admin',
      groups: ['staff'],
      disabled: false,
      createdAt,
    };
    await store.set(storeKey('local-user', `DEMO:${username}`), JSON.stringify(user));
    const created = await accounts.linkOrCreate('DEMO', 'local', {
      externalId: user.id,
      username,
      name: user.name,
      email: user.email,
      emailVerified: true,
      groups: user.groups,
    });
    await accounts.save({ ...created, adminSites: ['*'], firstSignInAt: createdAt });
    const who = await admit.mfa.subject(created.id);
    if (!who) throw new Error('no MFA subject for the console admin');
    const secret = admit.mfa.enrollment.newTotpSecret(who);
    const added = await admit.mfa.manage.add(
      undefined,
      who,
      { id: newDeviceId(), type: 'tablet', name: 'Scale tablet', totp: { sealedSecret: secret.sealed }, createdAt },
      { verifiedAt: Date.now() },
    );
    if (added.status !== 'ok') throw new Error(`enrolling the console admin's app: ${added.status}`);
    return { admin: { username, password, site: 'DEMO', totpSecret: secret.secret }, rates };
  } finally {
    await admit.close();
  }
}
