import type { MfaRequest, Problem } from './request.ts';
import type { PageName } from './progress.ts';

/** A page of the MFA wizard: shown on GET, its form handled on POST (only while it is the current page). */
export interface MfaPage {
  name: PageName;
  show(request: MfaRequest, problem?: Problem): Promise<void>;
  submit(request: MfaRequest): Promise<void>;
}

/** The value of a submit button (`action`) or another single-valued field, or undefined. */
export function field(request: MfaRequest, name: string, maxLength = 200): string | undefined {
  const value = request.body[name];
  return typeof value === 'string' && value.length <= maxLength ? value : undefined;
}
