import type { Context } from 'koa';
import type { z } from 'zod';
import { messages } from '../errors/messages.ts';
import type { ApiCaller } from './bearer.ts';
import { ApiProblem, type FieldProblem } from './problem.ts';
import type { ApiScope } from './scopes.ts';

export interface ApiResponse {
  description: string;
  schema?: z.ZodType;
  /** application/json by default. */
  contentType?: string;
}

/**
 * One management API operation, declared once: the router mounts it behind
 * its scope, the OpenAPI document describes it from the same schemas.
 */
export interface ApiRoute<Body = unknown, Query = unknown> {
  method: 'get' | 'post' | 'delete';
  /** Koa path under /api/v1, `:id` for the one parameter. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  scope: ApiScope;
  /** Global API clients only (relying applications are not per site): a site-scoped client is answered 404, as a site admin is. */
  globalOnly?: boolean;
  body?: z.ZodType<Body>;
  query?: z.ZodType<Query>;
  responses: Record<number, ApiResponse>;
  run(ctx: Context, input: { body: Body; query: Query; id: string }, caller: ApiCaller): Promise<void>;
}

/** Keeps a route's body and query types while listing routes of different shapes together. */
export const route = <Body, Query>(spec: ApiRoute<Body, Query>) => spec as unknown as ApiRoute;

/** A schema's message may be a catalogue code (the console's forms name them): the sentence then. */
const sentenceOf = (message: string) => (message in messages ? messages[message as keyof typeof messages] : message);

/** Parses body or query with its schema; a refusal is a 400 problem listing every issue. */
export function parse<T>(schema: z.ZodType<T>, raw: unknown, where: 'body' | 'query'): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const errors: FieldProblem[] = parsed.error.issues.slice(0, 20).map((issue) => ({
    pointer: `${where === 'query' ? '#query' : '#'}/${issue.path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`,
    detail: sentenceOf(issue.message),
  }));
  throw new ApiProblem(400, 'invalid_request', errors[0]?.detail ?? 'The request is not valid.', { errors });
}
