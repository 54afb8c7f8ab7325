import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { requireAdmin } from './admin-page.ts';
import type { AdminDeps } from './deps.ts';
import { approvalRoutes } from './pages/approvals.ts';
import { auditRoutes } from './pages/audit.ts';
import { clientRoutes } from './pages/clients.ts';
import { consoleAuthRoutes } from './pages/console-auth.ts';
import { dashboardRoutes } from './pages/dashboard.ts';
import { invitationRoutes } from './pages/invitations.ts';
import { outboxRoutes } from './pages/outbox.ts';
import { provisioningRoutes } from './pages/provisioning.ts';
import { userPageRoutes } from './pages/user-page.ts';
import { userRoutes } from './pages/users.ts';
import { webhookRoutes } from './pages/webhooks.ts';

/**
 * The admin console under /admin: a dashboard, approval queue, invitations, users,
 * relying applications, outbox, audit log. Every page needs an admin session; every
 * form post is CSRF-checked; a site admin sees and acts on their sites only.
 */
export function adminRoutes(deps: AdminDeps): Router {
  const router = new Router({ prefix: '/admin' });
  const form = [bodyParser({ enableTypes: ['form'], formLimit: '64kb' }), deps.csrf.verify];
  router.use(async (ctx: Context, next: Next) => {
    ctx.set('cache-control', 'no-store');
    await next();
  });
  const admin = requireAdmin(deps);

  consoleAuthRoutes(router, deps, form);
  // The console's home: what needs attention first.
  dashboardRoutes(router, deps, admin);
  approvalRoutes(router, deps, admin, form);
  invitationRoutes(router, deps, admin, form);
  // The user page (devices, sessions, timeline) is registered first, so it answers /users/:id.
  userPageRoutes(router, deps, admin);
  userRoutes(router, deps, admin, form);
  clientRoutes(router, deps, admin, form);
  outboxRoutes(router, deps, admin, form);
  provisioningRoutes(router, deps, admin, form);
  webhookRoutes(router, deps, admin, form);
  auditRoutes(router, deps, admin);
  return router;
}
