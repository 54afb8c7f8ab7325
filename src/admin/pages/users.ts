import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { messageText } from '../../errors/messages.ts';
import { type Text, text as words } from '../../i18n/text.ts';
import type { Account } from '../../services/accounts.ts';
import { CursorError } from '../../services/paging.ts';
import { renderAdmin, roleText } from '../admin-page.ts';
import { type AdminUser, canAdminister } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { mayActOn, roleOf } from '../role-order.ts';
import { accountFor, userActionRoutes } from './user-actions.ts';

const PAGE_SIZE = 50;
const MAX_QUERY = 100;
// Each label is admin.json's users.fields.<key>, users.statuses.<key>, users.sorts.<key> ('' as `any`).
const labels = <K extends string>(group: string, keys: readonly K[]) =>
  Object.fromEntries(keys.map((key) => [key, words(`admin:users.${group}.${key || 'any'}`)])) as Record<K, Text>;
const FIELDS = labels('fields', ['', 'username', 'email', 'name'] as const);
const STATUSES = labels('statuses', ['', 'active', 'disabled', 'pending_approval', 'denied'] as const);
/** The orders the indexes serve: each field is its own lexicographic index, read up or down. */
const SORTS = labels('sorts', ['username', 'email', 'name'] as const);
const DIRECTIONS = { asc: words('admin:users.aToZ'), desc: words('admin:users.zToA') } as const;
type Field = keyof typeof FIELDS;
type Sort = keyof typeof SORTS;
type Status = keyof typeof STATUSES;

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** The search as asked, and the sentence refusing it (400) when no form of the page would send it. */
function searchOf(ctx: Parameters<Middleware>[0], user: AdminUser) {
  const q = text(ctx.query.q).trim();
  const field = text(ctx.query.field) as Field;
  const status = text(ctx.query.status) as Status;
  const site = text(ctx.query.site);
  const sort = text(ctx.query.sort) as Sort | '';
  const dir = text(ctx.query.dir);
  const values = {
    q: q.slice(0, MAX_QUERY),
    field: Object.hasOwn(FIELDS, field) ? field : '',
    status: Object.hasOwn(STATUSES, status) ? status : '',
    site: site && canAdminister(user, site) ? site : '',
    sort: (sort && Object.hasOwn(SORTS, sort) ? sort : '') as Sort | '',
    dir: dir === 'desc' ? 'desc' : '',
  };
  if (q.length > MAX_QUERY) return { values, error: words('admin:users.tooLong', { max: MAX_QUERY }) };
  if (!Object.hasOwn(FIELDS, field)) return { values, error: words('admin:users.chooseField') };
  if (!Object.hasOwn(STATUSES, status)) return { values, error: words('admin:users.chooseStatus') };
  // Only the sites this admin administers are searched; another site is refused, never widened to it.
  if (site && !canAdminister(user, site)) return { values, error: words('admin:users.notYourSite', { site }) };
  if (sort && !Object.hasOwn(SORTS, sort)) return { values, error: words('admin:users.chooseSort') };
  if (dir && dir !== 'asc' && dir !== 'desc') return { values, error: words('admin:users.chooseOrder') };
  // A search is listed in the order of the field it searched (one index each): another order is not one the index serves.
  if (sort && q && sort !== field)
    return {
      values,
      error: words(`admin:users.searchOrder.${field || 'any'}`, { sort: SORTS[sort] }),
    };
  return { values };
}

/** Users: search the admin's sites by prefix, 50 a page by cursor; one page per account with its actions. */
export function userRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  router.get('/users', admin, async (ctx) => {
    const user = ctx.state.admin as AdminUser;
    const { values, error: refused } = searchOf(ctx, user);
    const sites = deps.sites.list().filter((candidate) => canAdminister(user, candidate.id));
    const query = new URLSearchParams(Object.entries(values).filter(([, value]) => value !== '')).toString();
    const base = `/admin/users${query ? `?${query}&` : '?'}`;
    // The order shown: a search's field, else the column asked for (user name by default); descending by `reverse`.
    const orderBy: Sort | '' = values.q ? values.field : values.sort || values.field || 'username';
    // Column links keep the search and filters, start at the first page, and turn the active column's order round.
    const sortUrl = (column: Sort) => {
      const dir = orderBy === column && !values.dir ? 'desc' : '';
      const unsorted = values.q ? values.field : values.field || 'username';
      const params = new URLSearchParams(Object.entries({ ...values, sort: column === unsorted ? '' : column, dir }).filter(([, value]) => value !== ''));
      return `/admin/users${params.size ? `?${params}` : ''}`;
    };
    const sortable = (Object.keys(SORTS) as Sort[]).filter((column) => !values.q || column === values.field);
    const sortUrls = Object.fromEntries(sortable.map((column) => [column, sortUrl(column)]));
    const view = {
      title: words('admin:nav.users'),
      tab: 'users',
      ...values,
      // Not `dir`: every page's `dir` is its text direction (ltr or rtl), given by the renderer.
      sortDir: values.dir,
      orderBy,
      orderName: orderBy ? SORTS[orderBy] : '',
      directions: DIRECTIONS,
      sortUrls,
      fields: FIELDS,
      statuses: STATUSES,
      sites,
      users: [] as Account[],
      firstUrl: base.slice(0, -1),
      firstPage: true,
      nextUrl: undefined as string | undefined,
      prevUrl: undefined as string | undefined,
    };
    if (refused) {
      ctx.status = 400;
      await renderAdmin(deps, ctx, 'users', { ...view, error: refused });
      return;
    }
    const after = text(ctx.query.after) || undefined;
    const before = after ? undefined : text(ctx.query.before) || undefined;
    try {
      const found = await deps.accounts.search(values.site ? [values.site] : user.sites, {
        query: values.q || undefined,
        field: orderBy || undefined,
        status: values.status || undefined,
        after,
        before,
        reverse: values.dir === 'desc',
        limit: PAGE_SIZE,
      });
      await renderAdmin(deps, ctx, 'users', {
        ...view,
        users: found.accounts,
        firstPage: found.prev === undefined,
        nextUrl: found.next && `${base}after=${encodeURIComponent(found.next)}`,
        prevUrl: found.prev && `${base}before=${encodeURIComponent(found.prev)}`,
      });
    } catch (problem) {
      if (!(problem instanceof CursorError)) throw problem;
      ctx.status = 400;
      await renderAdmin(deps, ctx, 'users', { ...view, firstPage: false, error: words('admin:badCursor') });
    }
  });

  router.get('/users/:id', admin, async (ctx) => {
    const account = await accountFor(deps, ctx);
    const site = deps.sites.get(account.siteId);
    const verdict = mayActOn(ctx.state.admin as AdminUser, account);
    await renderAdmin(deps, ctx, 'user', {
      title: account.username,
      tab: 'users',
      account,
      role: roleText(roleOf(account)),
      // The actions are offered only where the role order allows them (the POSTs check it again).
      refusal: verdict.ok ? undefined : messageText(verdict.code),
      siteName: site?.config.displayName ?? account.siteId,
      canUnlockDirectory: site?.connector.unlock !== undefined,
      mfa: deps.mfa !== undefined,
      factors: deps.mfa?.listFactors ? await deps.mfa.listFactors(account.id) : undefined,
    });
  });

  userActionRoutes(router, deps, admin, form);
}
