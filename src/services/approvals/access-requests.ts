import { randomUUID } from 'node:crypto';
import { type Store, storeKey, type WriteOp } from '../../store/port.ts';
import type { Account, AccountService } from '../accounts.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { decodeCursor, encodeCursor, mergedPage, type Page } from '../paging.ts';
import type { SiteDirectory } from '../sites.ts';
import { businessDaysSince, isOverdue } from './business-days.ts';

/** A person's request for access to a site ("User Registration"); the account waits in pending_approval. */
export interface AccessRequest {
  id: string;
  siteId: string;
  accountId: string;
  username: string;
  name: string;
  /** Verified by a code before the request could be sent. */
  email: string;
  organisation: string;
  reason: string;
  submittedAt: string;
  /** The language the person registered in (BCP 47): the emails about the request are in it. */
  locale?: string;
}

export interface Decision {
  outcome: 'approved' | 'denied';
  at: string;
  /** The admin's account id. */
  by: string;
  reason?: string;
}

export interface AccessRequestView extends AccessRequest {
  status: 'pending' | 'approved' | 'denied';
  decision?: Decision;
  ageBusinessDays: number;
  overdue: boolean;
}

const requestKey = (id: string) => storeKey('access-request', id);
/** Where decisions were kept before the per-site indexes (read, never written). */
const legacyDecisionKey = (id: string) => storeKey('access-request', id, 'decision');
/** Before the indexes: every request id of a site, decided or not, in one set. */
const legacySiteRequestsKey = (siteId: string) => storeKey('site-access-requests', siteId);
// The site's queue keys share the site's hash tag, so a decision, its leaving
// the pending index and its entry in the decided one are one writeAll.
/** Written once (writeAll onlyIf absent): two admins deciding at once cannot both win. */
const decisionKey = (siteId: string, id: string) => storeKey('access-queue', siteId, `decision:${id}`);
/** Requests waiting for a decision, scored by submission time (ms): oldest first is the queue's order. */
export const pendingKey = (siteId: string) => storeKey('access-queue', siteId, 'pending');
/** Decided requests, scored by decision time (ms). */
export const decidedKey = (siteId: string) => storeKey('access-queue', siteId, 'decided');
/** Set once the site's legacy set was copied into the indexes. */
const migratedKey = (siteId: string) => storeKey('access-queue', siteId, 'migrated');
const MIGRATE_BATCH = 200;
export const QUEUE_PAGE = 50;

export type DecideOutcome = { status: 'ok'; request: AccessRequestView; account?: Account } | { status: 'already_decided' | 'not_found' };

/**
 * The approval queue: requests wait, approvers are told, an admin approves
 * (the account becomes active) or denies with a reason; the person is told
 * by email either way, through the outbox (a decision's email goes out once
 * and only for the decision that was written). Auditing is the caller's.
 */
export function createAccessRequests(deps: { store: Store; accounts: AccountService; sites: SiteDirectory; mailer: Mailer; outbox: Outbox; issuer: string }) {
  const { store } = deps;
  const siteName = (siteId: string) => deps.sites.get(siteId)?.config.displayName ?? siteId;

  function viewOf(request: AccessRequest, decision: Decision | undefined, submittedMs = Date.parse(request.submittedAt)): AccessRequestView {
    const submitted = new Date(submittedMs).toISOString();
    return {
      ...request,
      status: decision?.outcome ?? 'pending',
      decision,
      ageBusinessDays: businessDaysSince(submitted),
      overdue: decision === undefined && isOverdue(submitted),
    };
  }

  async function get(id: string): Promise<AccessRequestView | undefined> {
    const raw = await store.get(requestKey(id));
    if (raw === undefined) return undefined;
    const request = JSON.parse(raw) as AccessRequest;
    const [current, legacy] = await store.getMany([decisionKey(request.siteId, id), legacyDecisionKey(id)]);
    const rawDecision = current ?? legacy;
    return viewOf(request, rawDecision === undefined ? undefined : (JSON.parse(rawDecision) as Decision));
  }

  /** The requests of index entries, in the entries' order (one read for the records, one for the decisions). */
  async function viewsOf(entries: readonly { member: string; score: number }[], pending: boolean): Promise<AccessRequestView[]> {
    const raws = await store.getMany(entries.map((entry) => requestKey(entry.member)));
    const requests = raws.flatMap((raw, index) => (raw === undefined ? [] : [{ request: JSON.parse(raw) as AccessRequest, score: entries[index]!.score }]));
    if (pending) return requests.map(({ request, score }) => viewOf(request, undefined, score));
    // Requests decided before the indexes keep their decision at the legacy key.
    const decisions = await store.getMany([
      ...requests.map(({ request }) => decisionKey(request.siteId, request.id)),
      ...requests.map(({ request }) => legacyDecisionKey(request.id)),
    ]);
    return requests.map(({ request }, index) => {
      const raw = decisions[index] ?? decisions[requests.length + index];
      return viewOf(request, raw === undefined ? undefined : (JSON.parse(raw) as Decision));
    });
  }

  /**
   * Copies a site's legacy set (requests stored before the indexes) into the
   * pending and decided indexes, once, a batch of records at a time; the set
   * itself is removed when done. Safe to run twice or in parallel (the index
   * writes are idempotent).
   */
  async function migrate(siteId: string): Promise<void> {
    if ((await store.get(migratedKey(siteId))) !== undefined) return;
    // The legacy set is walked a batch of ids at a time (setScan), so a site with years of requests is never held whole.
    let cursor: string | undefined;
    do {
      const scanned = await store.setScan(legacySiteRequestsKey(siteId), { cursor, count: MIGRATE_BATCH });
      cursor = scanned.cursor;
      const batch = scanned.members;
      const raws = await store.getMany(batch.map(requestKey));
      const decisions = await store.getMany(batch.map(legacyDecisionKey));
      const ops: WriteOp[] = [];
      raws.forEach((raw, index) => {
        if (raw === undefined) return;
        const request = JSON.parse(raw) as AccessRequest;
        const decided = decisions[index];
        if (decided === undefined) ops.push({ op: 'indexAdd', key: pendingKey(siteId), member: request.id, score: Date.parse(request.submittedAt) });
        else {
          ops.push({ op: 'indexRemove', key: pendingKey(siteId), member: request.id });
          ops.push({ op: 'indexAdd', key: decidedKey(siteId), member: request.id, score: Date.parse((JSON.parse(decided) as Decision).at) });
        }
      });
      if (ops.length) await store.writeAll(ops);
    } while (cursor);
    await store.set(migratedKey(siteId), new Date().toISOString());
    await store.delete(legacySiteRequestsKey(siteId));
  }

  /**
   * One page of the queue across the given sites: waiting requests oldest
   * first (the ones past the promise on top), or decided ones newest first.
   * Each site's index gives at most a page, merged by score. `cursor` is the
   * `next` of the page before; a malformed one is a CursorError. `newestFirst`
   * turns either order round (a cursor belongs to the order it was made in).
   */
  async function list(
    siteIds: readonly string[],
    options: { decided?: boolean; cursor?: string; limit?: number; newestFirst?: boolean } = {},
  ): Promise<Page<AccessRequestView>> {
    const after = decodeCursor(options.cursor);
    await Promise.all(siteIds.map(migrate));
    const decided = options.decided ?? false;
    const keys = siteIds.map(decided ? decidedKey : pendingKey);
    const { entries, next } = await mergedPage(store, keys, { after, limit: options.limit ?? QUEUE_PAGE, reverse: options.newestFirst ?? decided });
    return { items: await viewsOf(entries, !decided), next: next && encodeCursor(next) };
  }

  /**
   * How many requests of the given sites wait, and how many of those were
   * sent at or before `overdueBefore` (ms; the last submission time that is
   * past the promise now: overdue only grows with age, so it is a score
   * range). Counted by the pending indexes, no request is read.
   */
  async function counts(siteIds: readonly string[], options: { overdueBefore: number }): Promise<{ waiting: number; overdue: number }> {
    await Promise.all(siteIds.map(migrate));
    const perSite = await Promise.all(
      siteIds.map((siteId) => Promise.all([store.indexCount(pendingKey(siteId)), store.indexCount(pendingKey(siteId), { max: options.overdueBefore })])),
    );
    return { waiting: perSite.reduce((sum, [waiting]) => sum + waiting, 0), overdue: perSite.reduce((sum, [, overdue]) => sum + overdue, 0) };
  }

  async function submit(input: Omit<AccessRequest, 'id' | 'submittedAt'>): Promise<AccessRequestView> {
    const request: AccessRequest = { ...input, id: randomUUID(), submittedAt: new Date().toISOString() };
    const raw = JSON.stringify(request);
    // The emails are in the outbox before the request is stored, and go out only once it is (onlyIf).
    const onlyIf = { key: requestKey(request.id), equals: raw };
    // A timestamp: the mailer shows it as a date in the email's language.
    const submitted = request.submittedAt;
    await deps.mailer.notify(
      {
        to: request.email,
        template: 'request-received',
        locale: request.locale,
        data: { name: request.name, siteId: request.siteId, siteName: siteName(request.siteId), submitted, statusUrl: `${deps.issuer}/register/status` },
      },
      { siteId: request.siteId, onlyIf },
    );
    for (const to of await approversOf(request.siteId)) {
      await deps.mailer.notify(
        {
          to,
          template: 'request-to-review',
          data: {
            siteId: request.siteId,
            siteName: siteName(request.siteId),
            requesterName: request.name,
            requesterEmail: request.email,
            organisation: request.organisation,
            reason: request.reason,
            queueUrl: `${deps.issuer}/admin/approvals`,
          },
        },
        { siteId: request.siteId, onlyIf },
      );
    }
    // The record first: an index entry always finds its request.
    await store.set(requestKey(request.id), raw);
    await store.writeAll([{ op: 'indexAdd', key: pendingKey(request.siteId), member: request.id, score: Date.parse(request.submittedAt) }]);
    deps.mailer.wake();
    return (await get(request.id))!;
  }

  /** The site's configured approvers and the email of every admin of the site. */
  async function approversOf(siteId: string): Promise<string[]> {
    const configured = deps.sites.get(siteId)?.config.signUp.approvers ?? [];
    const admins = (await deps.accounts.listAdmins())
      .filter((admin) => admin.status === 'active' && (admin.adminSites?.includes('*') || admin.adminSites?.includes(siteId)))
      .flatMap((admin) => (admin.email ? [admin.email] : []));
    return [...new Set([...configured, ...admins].map((address) => address.toLowerCase()))];
  }

  async function decide(id: string, decision: Decision): Promise<DecideOutcome> {
    const request = await get(id);
    if (!request) return { status: 'not_found' };
    const approved = decision.outcome === 'approved';
    const raw = JSON.stringify(decision);
    const common = { name: request.name, siteId: request.siteId, siteName: siteName(request.siteId) };
    // The person's email is queued first and goes out only once this very decision is the one written:
    // a process killed before the write, or a decision that lost the race to another admin, mails nothing.
    const messageId = await deps.mailer.queue(
      approved
        ? {
            to: request.email,
            template: 'request-approved',
            locale: request.locale,
            data: { ...common, username: request.username, portalUrl: `${deps.issuer}/portal` },
          }
        : { to: request.email, template: 'request-denied', locale: request.locale, data: { ...common, reason: decision.reason ?? '' } },
      { siteId: request.siteId, onlyIf: { key: decisionKey(request.siteId, id), equals: raw } },
    );
    // The decision, the request leaving the queue and entering the decided list: one atomic write, one winner.
    const key = decisionKey(request.siteId, id);
    const written =
      request.status === 'pending' &&
      (await store.writeAll(
        [
          { op: 'set', key, value: raw },
          { op: 'indexRemove', key: pendingKey(request.siteId), member: id },
          { op: 'indexAdd', key: decidedKey(request.siteId), member: id, score: Date.parse(decision.at) },
        ],
        { onlyIf: { key, equals: undefined } },
      ));
    if (!written) {
      await deps.outbox.cancel(messageId, 'another admin decided first');
      return { status: 'already_decided' };
    }
    const account = await deps.accounts.setStatus(request.accountId, approved ? 'active' : 'denied', decision.reason);
    deps.mailer.wake();
    return { status: 'ok', request: (await get(id))!, account };
  }

  return {
    get,
    list,
    counts,
    submit,
    approversOf,
    approve: (id: string, by: string) => decide(id, { outcome: 'approved', at: new Date().toISOString(), by }),
    deny: (id: string, by: string, reason: string) => decide(id, { outcome: 'denied', at: new Date().toISOString(), by, reason }),
  };
}

export type AccessRequests = ReturnType<typeof createAccessRequests>;
