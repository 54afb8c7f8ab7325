import type { z } from 'zod';
import type { InputRefusal } from '../../http/route-input.ts';
import type { PageName } from './progress.ts';
import type { MfaRequest, Problem } from './request.ts';

/**
 * A page of the MFA wizard: shown on GET, its form handled on POST (only
 * while it is the current page). A page that reads fields declares them:
 * its route's guard (route-input.ts) parses the post with `input.body`
 * before `submit`, which gets what it parsed; a refused post goes to
 * `input.refused`, which answers as the page always has (the page's own
 * checks that come before reading the form first, then its message).
 */
export interface MfaPage<Form = undefined> {
  name: PageName;
  show(request: MfaRequest, problem?: Problem): Promise<void>;
  submit(request: MfaRequest, form: Form): Promise<void>;
  input?: {
    body: z.ZodType<Form>;
    refused(request: MfaRequest, refusal: InputRefusal): Promise<void>;
  };
}

/** The value of a submit button (`action`) or another single-valued field, or undefined. */
export function field(request: MfaRequest, name: string, maxLength = 200): string | undefined {
  const value = request.body[name];
  return typeof value === 'string' && value.length <= maxLength ? value : undefined;
}
