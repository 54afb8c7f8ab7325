import { z } from 'zod';
import type { ApiRoute } from './define.ts';
import { API_PREFIX, API_SCOPES } from './scopes.ts';

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema: what a request may send (`input`) or what an answer holds (`output`). */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return rest;
}

const problemSchema: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri', examples: ['urn:admit:problem:insufficient_scope'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    request_id: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['pointer', 'detail'], properties: { pointer: { type: 'string' }, detail: { type: 'string' } } },
    },
  },
};

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

const SCOPE_WORDS: Record<string, string> = {
  read: 'read',
  write: 'change',
};

/** The OpenAPI 3.1 document of the management API, made from the routes' own schemas. */
export function openApiDocument(routes: readonly ApiRoute[], issuer: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    if (spec.path.includes(':id')) parameters.push({ name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 200 } });
    if (spec.query) {
      const query = jsonSchemaOf(spec.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { [response.contentType ?? 'application/json']: { schema: jsonSchemaOf(response.schema, 'output') } } } : {}),
      };
    }
    Object.assign(responses, {
      400: problem('The input was refused (each field named in `errors`); nothing changed.'),
      401: problem('No valid access token (WWW-Authenticate says why).'),
      403: problem('The token lacks the scope (insufficient_scope), or the role order refuses the action.'),
      404: problem("Not found, or not of the caller's sites."),
      429: problem('Too many requests from this client: wait Retry-After seconds.'),
      ...(spec.method === 'post'
        ? {
            409: problem('Conflicts with the current state, or the Idempotency-Key is in use.'),
            422: problem('The Idempotency-Key was used with another body.'),
          }
        : {}),
    });
    if (spec.method === 'post') {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'A retry with the same key and body gets the first answer and changes nothing again; kept per client for managementApi.idempotencyHours.',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    }
    paths[path] ??= {};
    paths[path][spec.method] = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      security: [{ admit: [spec.scope] }],
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(spec.body, 'input') } } } } : {}),
      responses,
    };
  }
  const base = issuer.replace(/\/+$/, '');
  return {
    openapi: '3.1.0',
    info: {
      title: 'admit management API',
      version: '1.0.0',
      description:
        "Every admin console action, for API clients registered per site. Tokens: the client_credentials grant at admit's token endpoint with resource=" +
        `${base}${API_PREFIX}. A site-scoped client sees and acts on its sites only.`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: `${base}${API_PREFIX}` }],
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        admit: {
          type: 'oauth2',
          description: 'Access tokens admit issues to its management API clients.',
          flows: {
            clientCredentials: {
              tokenUrl: `${base}/token`,
              scopes: Object.fromEntries(
                API_SCOPES.map((scope) => {
                  const [, area, level] = scope.split(':') as [string, string, string];
                  return [scope, `${SCOPE_WORDS[level]} ${area.replace('-', ' ')}`];
                }),
              ),
            },
          },
        },
      },
    },
  };
}
