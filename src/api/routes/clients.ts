import { z } from 'zod';
import { registerClient, removeClient, rotateClientSecret, setClientRedirectUris } from '../../admin/actions/client-actions.ts';
import { clientFields, redirectUriList } from '../../admin/actions/schemas.ts';
import { messages } from '../../errors/messages.ts';
import { route } from '../define.ts';
import { ApiProblem } from '../problem.ts';
import { clientView, toClient } from '../views.ts';
import { type ApiRouteDeps, noContent } from './common.ts';

/** The console's registration form (actions/schemas.ts) with its redirect URIs as an array and first-party as a boolean. */
const registerBody = z.object({ ...clientFields, redirect_uris: redirectUriList, first_party: z.boolean().default(false) }).strict();
const redirectUrisBody = z.object({ redirect_uris: redirectUriList }).strict();
const withSecret = clientView.extend({ client_secret: z.string().optional() });

/** Relying applications are not per site: global API clients only, like the console's global admins. */
export function clientRoutes(deps: ApiRouteDeps) {
  const registered = async (id: string) => {
    const client = await deps.clients.find(id);
    if (!client) throw new ApiProblem(404, 'not_found', messages.not_found);
    return client;
  };
  return [
    route({
      method: 'get',
      path: '/clients',
      operationId: 'listClients',
      summary: 'Relying applications: those of the config file (read only) and those registered in the store',
      tag: 'Relying applications',
      scope: 'admit:clients:read',
      globalOnly: true,
      responses: {
        200: { description: 'Every relying application (a bounded list: the config and the registry).', schema: z.object({ items: z.array(clientView) }) },
      },
      async run(ctx) {
        const { config, registered: stored } = await deps.clients.list();
        ctx.body = { items: [...config.map((client) => toClient(client, 'config')), ...stored.map((client) => toClient(client, 'registered'))] };
      },
    }),
    route({
      method: 'get',
      path: '/clients/:id',
      operationId: 'getClient',
      summary: 'One registered relying application',
      tag: 'Relying applications',
      scope: 'admit:clients:read',
      globalOnly: true,
      responses: { 200: { description: 'The application.', schema: clientView } },
      async run(ctx, { id }) {
        ctx.body = toClient(await registered(id), 'registered');
      },
    }),
    route({
      method: 'post',
      path: '/clients',
      operationId: 'registerClient',
      summary: 'Register a relying application; a confidential one gets a secret, shown once in this answer',
      tag: 'Relying applications',
      scope: 'admit:clients:write',
      globalOnly: true,
      body: registerBody,
      responses: { 201: { description: 'The application, with its secret when confidential.', schema: withSecret } },
      async run(ctx, { body }, { actor }) {
        const outcome = await registerClient(deps, ctx, actor, {
          id: body.client_id,
          name: body.client_name,
          redirectUris: body.redirect_uris,
          firstParty: body.first_party,
          isPublic: body.type === 'public',
        });
        if (outcome.status === 'exists') throw new ApiProblem(409, 'client_exists', messages.client_exists);
        if (outcome.status === 'invalid') throw new ApiProblem(400, 'invalid_request', `${outcome.field}: ${outcome.message}`);
        ctx.status = 201;
        ctx.set('location', `/api/v1/clients/${encodeURIComponent(body.client_id)}`);
        ctx.body = { ...toClient(await registered(body.client_id), 'registered'), client_secret: outcome.secret };
      },
    }),
    route({
      method: 'post',
      path: '/clients/:id/rotate-secret',
      operationId: 'rotateClientSecret',
      summary: 'A new secret for a registered confidential application (the old one stops working at once), shown once',
      tag: 'Relying applications',
      scope: 'admit:clients:write',
      globalOnly: true,
      responses: { 200: { description: 'The application with its new secret.', schema: withSecret } },
      async run(ctx, { id }, { actor }) {
        const secret = await rotateClientSecret(deps, ctx, actor, id);
        if (!secret) throw new ApiProblem(404, 'not_found', messages.not_found);
        ctx.body = { ...toClient(await registered(id), 'registered'), client_secret: secret };
      },
    }),
    route({
      method: 'post',
      path: '/clients/:id/redirect-uris',
      operationId: 'setClientRedirectUris',
      summary: "Replace a registered application's redirect URIs",
      tag: 'Relying applications',
      scope: 'admit:clients:write',
      globalOnly: true,
      body: redirectUrisBody,
      responses: { 200: { description: 'The application.', schema: clientView } },
      async run(ctx, { id, body }, { actor }) {
        await registered(id);
        const outcome = await setClientRedirectUris(deps, ctx, actor, id, body.redirect_uris);
        if (outcome.status !== 'ok')
          throw new ApiProblem(400, 'invalid_request', outcome.status === 'invalid' ? `${outcome.field}: ${outcome.message}` : messages.invalid_form);
        ctx.body = toClient(await registered(id), 'registered');
      },
    }),
    route({
      method: 'delete',
      path: '/clients/:id',
      operationId: 'deleteClient',
      summary: 'Remove a registered relying application (one of the config file is changed there): it gets no more tokens',
      tag: 'Relying applications',
      scope: 'admit:clients:write',
      globalOnly: true,
      responses: noContent,
      async run(ctx, { id }, { actor }) {
        if ((await removeClient(deps, ctx, actor, id)) !== 'ok') throw new ApiProblem(404, 'not_found', messages.not_found);
        ctx.status = 204;
      },
    }),
  ];
}
