import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { type MessageCode, messages, messageText } from '../errors/messages.ts';
import { type Text, text } from '../i18n/text.ts';

/** What a route declared it reads, parsed by its schemas. */
export interface RouteInput<Body, Query, Params> {
  body: Body;
  query: Query;
  params: Params;
}

/**
 * Why the input was refused: the first issue's message code (schemas name
 * catalogue keys as their messages, so a person reads a sentence) and the
 * form's fields as strings, for a form that shows them again.
 */
export interface InputRefusal {
  code: MessageCode;
  message: string;
  /** The first issue's message as the schema wrote it: an errors code, a namespaced key (`help:…`), or a library's sentence. */
  issue: string;
  /** The issue for a page, in the page's language: the code's or the key's words, else the issue as written. */
  text: string | Text;
  echo: Record<string, string>;
}

interface GuardSpec<Body, Query, Params> {
  body?: z.ZodType<Body>;
  query?: z.ZodType<Query>;
  params?: z.ZodType<Params>;
  /** How this route answers refused input (a page with the message, usually); by default a 400 with the message. */
  invalid?: (ctx: Context, refusal: InputRefusal) => unknown;
}

export type InputGuard<Body, Query, Params> = Middleware & {
  /** The parsed input, inside the route's handler (after the guard ran). */
  input(ctx: Context): RouteInput<Body, Query, Params>;
};

/** A null-prototype record: a field named `__proto__` or `constructor` is echoed as a field, never set on a prototype. */
function echoOf(raw: unknown): Record<string, string> {
  const echo: Record<string, string> = Object.create(null);
  if (raw && typeof raw === 'object') {
    for (const [name, value] of Object.entries(raw)) if (typeof value === 'string') echo[name] = value;
  }
  return echo;
}

/** `admin:invitations.chooseSite`: a key of a namespace, as a schema may write its message. */
const NAMESPACED_KEY = /^[a-z]+:[A-Za-z0-9_.]+$/;

function refusalOf(issues: z.core.$ZodIssue[], raw: unknown): InputRefusal {
  const first = issues[0]?.message;
  const code = (first && first in messages ? first : 'invalid_form') as MessageCode;
  const issue = first ?? messages[code];
  const words = first && first in messages ? messageText(code) : NAMESPACED_KEY.test(issue) ? text(issue) : issue;
  return { code, message: messages[code], issue, text: words, echo: echoOf(raw) };
}

/**
 * A route's input, declared next to the route (as Logto's koaGuard): the
 * schemas for its body, query and path parameters run before the handler, so
 * a handler only ever sees input that passed them, and a refusal is
 * answered in one place per route instead of a `safeParse` inside each
 * handler.
 */
export function guard<Body = undefined, Query = undefined, Params = undefined>(spec: GuardSpec<Body, Query, Params>): InputGuard<Body, Query, Params> {
  const parts = [
    ['body', spec.body, (ctx: Context) => ctx.request.body ?? {}],
    ['query', spec.query, (ctx: Context) => ctx.query],
    ['params', spec.params, (ctx: Context) => (ctx as Context & { params?: unknown }).params ?? {}],
  ] as const;
  // Per request, without writing into ctx.state (whose shape belongs to request-context.ts).
  const inputs = new WeakMap<Context, RouteInput<Body, Query, Params>>();
  const middleware = (async (ctx, next) => {
    const input: Record<string, unknown> = {};
    for (const [name, schema, read] of parts) {
      if (!schema) continue;
      const raw = read(ctx);
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const refusal = refusalOf(parsed.error.issues, raw);
        if (spec.invalid) return void (await spec.invalid(ctx, refusal));
        throw new AppError(refusal.code, 400);
      }
      input[name] = parsed.data;
    }
    inputs.set(ctx, input as unknown as RouteInput<Body, Query, Params>);
    await next();
  }) as InputGuard<Body, Query, Params>;
  middleware.input = (ctx) => {
    const input = inputs.get(ctx);
    if (!input) throw new Error('route input read before its guard ran');
    return input;
  };
  return middleware;
}
