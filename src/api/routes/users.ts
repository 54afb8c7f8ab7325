import { z } from 'zod';
import { runUserAction, USER_ACTION_NAMES, visibleAccount } from '../../admin/actions/user-actions.ts';
import { route } from '../define.ts';
import { ApiProblem } from '../problem.ts';
import { pageOf, toUser, userView } from '../views.ts';
import { type ApiRouteDeps, cursorParam, limitParam, withCursor } from './common.ts';

const field = z.enum(['username', 'email', 'name']);

/** The console's search (users.ts): a prefix in one field or any, a status, one of the caller's sites, an order the indexes serve. */
export const userSearchQuery = z
  .object({
    q: z.string().trim().max(100, 'The search is too long: at most 100 characters.').optional(),
    field: field.optional(),
    status: z.enum(['active', 'disabled', 'pending_approval', 'denied']).optional(),
    site: z.string().max(64).optional(),
    sort: field.optional(),
    dir: z.enum(['asc', 'desc']).optional(),
    cursor: cursorParam,
    limit: limitParam(100, 50),
  })
  .strict()
  .refine((query) => !query.q || !query.sort || query.sort === (query.field ?? query.sort), {
    message: 'A search is listed in the order of the field it searched: sort by that field, or leave sort out.',
    path: ['sort'],
  });

const actionResult = z.object({ user: userView, outcome: z.string(), detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() });

const what: Record<(typeof USER_ACTION_NAMES)[number], string> = {
  disable: 'Disable the account and sign it out everywhere',
  enable: 'Enable a disabled account',
  unlock: "Clear admit's and the directory's lockout; the person is told by email",
  'reset-mfa': 'Reset two-step verification: the next sign-in enrolls a device again',
  'revoke-browsers': 'Make every trusted browser of the account verify again',
  'sign-out': 'End every session of the account and the grants they gave',
};

export function userRoutes(deps: ApiRouteDeps) {
  return [
    route({
      method: 'get',
      path: '/users',
      operationId: 'searchUsers',
      summary: "Search the caller's sites' users by prefix, a page at a time",
      tag: 'Users',
      scope: 'admit:users:read',
      query: userSearchQuery,
      responses: { 200: { description: 'A page of users.', schema: pageOf(userView) } },
      async run(ctx, { query }, { actor }) {
        if (query.site && !actor.sites.includes(query.site)) throw new ApiProblem(404, 'not_found', `No site ${query.site}.`);
        const found = await withCursor(() =>
          deps.accounts.search(query.site ? [query.site] : actor.sites, {
            query: query.q || undefined,
            field: query.q ? query.field : (query.sort ?? query.field ?? 'username'),
            status: query.status,
            after: query.cursor || undefined,
            reverse: query.dir === 'desc',
            limit: query.limit,
          }),
        );
        ctx.body = { items: found.accounts.map(toUser), next_cursor: found.next };
      },
    }),
    route({
      method: 'get',
      path: '/users/:id',
      operationId: 'getUser',
      summary: "One user of the caller's sites",
      tag: 'Users',
      scope: 'admit:users:read',
      responses: { 200: { description: 'The user.', schema: userView } },
      async run(ctx, { id }, { actor }) {
        ctx.body = toUser(await visibleAccount(deps, actor, id));
      },
    }),
    ...USER_ACTION_NAMES.map((name) =>
      route({
        method: 'post',
        path: `/users/:id/${name}`,
        operationId: `${name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase())}User`,
        summary: what[name],
        tag: 'Users',
        scope: 'admit:users:write',
        responses: { 200: { description: 'What the action did (audited as admin.user.' + name + ').', schema: actionResult } },
        async run(ctx, { id }, { actor }) {
          const { account, result } = await runUserAction(deps, ctx, actor, id, name);
          const now = (await deps.accounts.find(account.id)) ?? account;
          ctx.body = { user: toUser(now), outcome: result.outcome, detail: result.detail };
        },
      }),
    ),
  ];
}
