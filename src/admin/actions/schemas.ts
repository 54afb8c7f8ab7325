import { z } from 'zod';
import { QUEUE_PAGE } from '../../services/approvals/access-requests.ts';
import { optionalDays } from '../pages/invitation-days.ts';

/**
 * The input rules the console's forms and the management API share: each
 * field's schema is written once here, the console reads it from a form
 * (text fields), the API from JSON (arrays and booleans where a form has a
 * list in a text box or a checkbox). Messages are codes of the errors
 * namespace (errors/messages.ts): the console shows them in the page's
 * language, the API in English.
 */

/** A denial says why: the person is told the reason by email. */
export const denyReason = z.string().trim().min(1, 'reason_required').max(500, 'field_too_long');

/** Request ids as submit() makes them (UUIDs), and as tests name them: nothing else reaches the store. */
export const requestId = z.string().regex(/^[\w-]{1,100}$/, 'request_not_listed');

/** A bulk decision names one page of requests at most. */
export const requestIds = z
  .array(requestId)
  .min(1, 'select_request')
  // select_at_most_page names the page size (50) in its words; approvals-bulk.test.ts checks the two agree.
  .max(QUEUE_PAGE, 'select_at_most_page');

export const groupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'invalid_group_name');
export const groupNames = z.array(groupName).max(50);

/** An invitation's fields but its groups (a text box in the console, an array in the API). */
export const inviteFields = {
  email: z.email('invalid_email').max(254),
  name: z.string().trim().max(100).optional(),
  site: z.string().min(1).max(64),
  role: z.enum(['user', 'site-admin'], 'choose_role'),
  days: optionalDays,
};

/** https anywhere; plain http only to loopback (development). No fragments, no credentials. */
export function redirectUriProblem(uri: string): boolean {
  try {
    const url = new URL(uri);
    const loopback = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
    return !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) || url.hash !== '' || url.username !== '' || url.password !== '';
  } catch {
    return true;
  }
}

/** A relying application's redirect URIs: 1 to 20, each one redirectUriProblem accepts. */
export const redirectUriList = z
  .array(z.string())
  .refine((uris) => uris.length > 0 && uris.length <= 20 && !uris.some(redirectUriProblem), 'invalid_redirect_uris');

/** A relying application's registration but its redirect URIs and first-party flag (form text and a checkbox in the console). */
export const clientFields = {
  client_id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'invalid_client_id'),
  client_name: z.string().trim().max(200).optional(),
  type: z.enum(['confidential', 'public'], 'choose_client_type'),
};
