import { z } from 'zod';
import { runUserAction, USER_ACTION_NAMES, visibleAccount } from '../../admin/actions/user-actions.ts';
import { createDirectoryUser } from '../../admin/actions/user-create.ts';
import { messages } from '../../errors/messages.ts';
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

/** `admit user add`'s rules: a user name the sign-in accepts, an initial password of 8 to 1024 characters. */
const newUserBody = z
  .object({
    site: z.string().min(1).max(64),
    username: z.string().trim().min(1).max(256),
    password: z.string().min(8, 'The password: 8 to 1024 characters.').max(1024, 'The password: 8 to 1024 characters.'),
    email: z.email('Enter a valid email address.').max(254).optional(),
    name: z.string().trim().max(100).optional(),
  })
  .strict();

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
      method: 'post',
      path: '/users',
      operationId: 'createUser',
      summary: 'Add a person to a site whose directory admit manages (the local directory), with an initial password; the account is made at once',
      tag: 'Users',
      scope: 'admit:users:write',
      body: newUserBody,
      responses: { 201: { description: 'The new user.', schema: userView } },
      async run(ctx, { body }, { actor }) {
        const { site: siteId, ...input } = body;
        const outcome = await createDirectoryUser(deps, ctx, actor, { siteId, ...input });
        if (outcome.status === 'not_found') throw new ApiProblem(404, 'not_found', `No site ${siteId}.`);
        if (outcome.status === 'not_managed') {
          throw new ApiProblem(409, 'directory_not_managed', `Site ${siteId} uses the ${outcome.directory} directory; add its users there.`);
        }
        if (outcome.status === 'username_not_allowed') {
          throw new ApiProblem(400, 'username_not_allowed', messages.username_not_allowed, {
            errors: [{ pointer: '#/username', detail: messages.username_not_allowed }],
          });
        }
        if (outcome.status === 'username_taken') throw new ApiProblem(409, 'username_taken', `${input.username} already exists in site ${siteId}.`);
        ctx.status = 201;
        ctx.set('location', `/api/v1/users/${encodeURIComponent(outcome.account.id)}`);
        ctx.body = toUser(outcome.account);
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
