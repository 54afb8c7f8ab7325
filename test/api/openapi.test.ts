import assert from 'node:assert/strict';
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { API_SCOPES } from '../../src/api/scopes.ts';
import type { RunningAdmit } from '../support/admit-server.ts';
import { call, startApiAdmit } from './api-support.ts';

describe('the management API OpenAPI document', () => {
  let running: RunningAdmit;
  beforeAll(async () => {
    running = await startApiAdmit();
  });
  afterAll(() => running?.stop());

  it('is served without a token and validates as OpenAPI 3.1', async () => {
    const answer = await call(running, undefined, 'GET', '/openapi.json');
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    const document = answer.body;
    assert.equal(document.openapi, '3.1.0');
    const result = await validate(structuredClone(document));
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
    assert.deepEqual(result.warnings, []);
  });

  it('describes every operation with its scope, its schemas and the problems it answers', async () => {
    const { body: document } = await call(running, undefined, 'GET', '/openapi.json');
    const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    const ids = operations.map(({ operation }) => operation.operationId);
    for (const expected of [
      'searchUsers',
      'createUser',
      'listWebhooks',
      'createWebhook',
      'deleteWebhook',
      'getUser',
      'disableUser',
      'enableUser',
      'unlockUser',
      'resetMfaUser',
      'revokeBrowsersUser',
      'signOutUser',
      'listInvitations',
      'createInvitation',
      'resendInvitation',
      'revokeInvitation',
      'listAccessRequests',
      'approveAccessRequest',
      'denyAccessRequest',
      'decideAccessRequests',
      'listClients',
      'registerClient',
      'rotateClientSecret',
      'setClientRedirectUris',
      'deleteClient',
      'queryAudit',
      'exportAudit',
      'listOutbox',
      'resendOutboxMessage',
    ]) {
      assert.ok(ids.includes(expected), `${expected} is documented`);
    }
    assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
    for (const { path, method, operation } of operations) {
      const [scope] = operation.security[0].admit;
      assert.ok((API_SCOPES as readonly string[]).includes(scope), `${method} ${path}: ${scope}`);
      assert.ok(operation.responses['401'] && operation.responses['403'] && operation.responses['429'], `${method} ${path} documents its refusals`);
    }
    // The invitation body is the console's schema: its email format and the role enum came along.
    const invite = document.paths['/invitations'].post.requestBody.content['application/json'].schema;
    assert.equal(invite.properties.email.format, 'email');
    assert.deepEqual(invite.properties.role.enum, ['user', 'site-admin']);
    assert.equal(invite.properties.email.maxLength, 254);
    const deny = document.paths['/access-requests/{id}/deny'].post.requestBody.content['application/json'].schema;
    assert.equal(deny.properties.reason.maxLength, 500);
    const search = document.paths['/users'].get.parameters.map((parameter: { name: string }) => parameter.name);
    assert.deepEqual(search, ['q', 'field', 'status', 'site', 'sort', 'dir', 'cursor', 'limit']);
    assert.deepEqual(Object.keys(document.components.securitySchemes.admit.flows.clientCredentials.scopes), [...API_SCOPES]);
  });
});
