import { randomUUID } from 'node:crypto';
import { storeKey, type Store } from '../../store/port.ts';
import type { Account, AccountService } from '../accounts.ts';
import type { SiteDirectory } from '../sites.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { Outbox } from '../outbox/outbox.ts';
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
/** Written once (setIfAbsent): two admins deciding at once cannot both win. */
const decisionKey = (id: string) => storeKey('access-request', id, 'decision');
const siteRequestsKey = (siteId: string) => storeKey('site-access-requests', siteId);

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

  async function get(id: string): Promise<AccessRequestView | undefined> {
    const [raw, rawDecision] = await store.getMany([requestKey(id), decisionKey(id)]);
    if (raw === undefined) return undefined;
    const request = JSON.parse(raw) as AccessRequest;
    const decision = rawDecision === undefined ? undefined : (JSON.parse(rawDecision) as Decision);
    const pending = decision === undefined;
    return {
      ...request,
      status: decision?.outcome ?? 'pending',
      decision,
      ageBusinessDays: businessDaysSince(request.submittedAt),
      overdue: pending && isOverdue(request.submittedAt),
    };
  }

  async function list(siteIds: string[]): Promise<AccessRequestView[]> {
    const ids = (await Promise.all(siteIds.map((siteId) => store.setMembers(siteRequestsKey(siteId))))).flat();
    const views = (await Promise.all(ids.map(get))).filter((view): view is AccessRequestView => view !== undefined);
    // The queue: oldest first, so the ones past the promise are on top.
    return views.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
  }

  async function submit(input: Omit<AccessRequest, 'id' | 'submittedAt'>): Promise<AccessRequestView> {
    const request: AccessRequest = { ...input, id: randomUUID(), submittedAt: new Date().toISOString() };
    const raw = JSON.stringify(request);
    // The emails are in the outbox before the request is stored, and go out only once it is (onlyIf).
    const onlyIf = { key: requestKey(request.id), equals: raw };
    const submitted = `${request.submittedAt.slice(0, 10)}`;
    await deps.mailer.notify({
      to: request.email,
      template: 'request-received',
      data: { name: request.name, siteId: request.siteId, siteName: siteName(request.siteId), submitted, statusUrl: `${deps.issuer}/register/status` },
    }, { siteId: request.siteId, onlyIf });
    for (const to of await approversOf(request.siteId)) {
      await deps.mailer.notify({
        to,
        template: 'request-to-review',
        data: {
          siteId: request.siteId, siteName: siteName(request.siteId), requesterName: request.name, requesterEmail: request.email,
          organisation: request.organisation, reason: request.reason, queueUrl: `${deps.issuer}/admin/approvals`,
        },
      }, { siteId: request.siteId, onlyIf });
    }
    await Promise.all([store.set(requestKey(request.id), raw), store.addToSet(siteRequestsKey(request.siteId), request.id)]);
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
    const messageId = await deps.mailer.queue(approved
      ? { to: request.email, template: 'request-approved', data: { ...common, username: request.username, portalUrl: `${deps.issuer}/portal` } }
      : { to: request.email, template: 'request-denied', data: { ...common, reason: decision.reason ?? '' } }, { siteId: request.siteId, onlyIf: { key: decisionKey(id), equals: raw } });
    if (!(await store.setIfAbsent(decisionKey(id), raw))) {
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
    submit,
    approversOf,
    approve: (id: string, by: string) => decide(id, { outcome: 'approved', at: new Date().toISOString(), by }),
    deny: (id: string, by: string, reason: string) => decide(id, { outcome: 'denied', at: new Date().toISOString(), by, reason }),
  };
}

export type AccessRequests = ReturnType<typeof createAccessRequests>;
