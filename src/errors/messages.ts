/**
 * Every message admit shows a person, keyed by code. The codes double as the
 * keys a translation would use. Wording follows the seeds where they have one.
 */
export const messages = {
  invalid_credentials: 'The user name or password is incorrect, or this account cannot sign in to the selected site.',
  too_many_attempts: 'Too many sign-in attempts. Wait a few minutes and try again, or use "Unlock Account".',
  unknown_site: 'Select your client site in "Log on to".',
  field_required: 'Fill in every field.',
  field_too_long: 'One of the values is too long.',
  invalid_form: 'The form could not be read. Go back and try again.',
  csrf_failed: 'This form has expired or was sent from another page. Go back, reload the page and try again.',
  interaction_expired: 'Your sign-in took too long or was already finished. Start the sign-in again from the application.',
  directory_unavailable: 'The directory of the selected site cannot be reached right now. Try again in a few minutes.',
  store_unavailable: 'admit cannot reach its storage right now. Try again in a few moments.',
  account_locked: 'This account is locked. Use "Unlock Account" or contact your administrator.',
  password_expired: 'Your password has expired and must be changed before you can sign in.',
  account_disabled: 'This account is disabled. Contact your administrator.',
  password_mismatch: 'The new password and its confirmation do not match.',
  invalid_old_password: 'The old password is incorrect.',
  password_rules_unmet: 'The new password does not meet the rules marked below.',
  password_change_unsupported: 'Passwords of this site cannot be changed here. Contact your administrator.',
  not_found: 'This page does not exist.',
  method_not_allowed: 'This page cannot be used that way.',
  payload_too_large: 'What was sent is too large.',
  internal: 'Something went wrong on our side. Try again; if it happens again, contact support.',
} as const;

export type MessageCode = keyof typeof messages;
