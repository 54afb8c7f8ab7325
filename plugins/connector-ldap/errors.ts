import { ResultCodeError } from 'ldapts';
import { adBindState } from './active-directory.ts';
import type { PasswordPolicyControl } from './ppolicy-control.ts';

/**
 * Which failures mean "the directory cannot be reached" (fail over, answer
 * 'unavailable', never count a failed attempt) rather than an answer.
 */
const SERVER_SIDE_UNAVAILABLE = new Set([
  51, // busy
  52, // unavailable
  3, // timeLimitExceeded: the server gave up, not the user
]);

export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
}

export function isUnreachable(error: unknown): boolean {
  if (error instanceof ResultCodeError) return SERVER_SIDE_UNAVAILABLE.has(error.code);
  // Socket errors, ldapts timeouts ("Operation timed out", "Connection timeout"), TLS failures, lost connections.
  return true;
}

export function resultCode(error: unknown): number | undefined {
  return error instanceof ResultCodeError ? error.code : undefined;
}

/** The diagnostic message the server sent, without ldapts's " Code: 0x31" suffix. */
export function diagnosticOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/ Code: 0x[0-9a-f]+$/i, '');
}

export function unavailable(error: unknown): { status: 'unavailable'; reason: string } {
  const message = error instanceof Error ? error.message : String(error);
  const what = isUnreachable(error) ? 'directory unreachable' : 'directory error';
  return { status: 'unavailable', reason: `${what}: ${message.split('\n')[0]}` };
}

type BindState = 'invalid' | 'locked' | 'password_expired' | 'disabled';

/**
 * A failed user bind as a sign-in step. AD explains itself in the diagnostic
 * sub-code; OpenLDAP's ppolicy in the response control, and when a server
 * sends no control, the entry's own ppolicy attributes read before the bind.
 */
export function failedBindState(error: unknown, context: { flavor: 'openldap' | 'ad'; control?: PasswordPolicyControl; lockedAttribute?: boolean }): BindState {
  if (resultCode(error) !== 49) return 'invalid';
  if (context.flavor === 'ad') return adBindState(diagnosticOf(error));
  const { control } = context;
  if (control?.error === 'accountLocked') return 'locked';
  if (control?.error === 'passwordExpired') return 'password_expired';
  if (!control?.answered && context.lockedAttribute) return 'locked';
  return 'invalid';
}

/** A successful bind can still mean "change your password first" (ppolicy changeAfterReset, grace logins). */
export function boundState(context: { control?: PasswordPolicyControl; resetAttribute?: boolean }): 'ok' | 'password_expired' {
  const { control } = context;
  if (control?.error === 'changeAfterReset' || control?.error === 'passwordExpired') return 'password_expired';
  if (control?.graceAuthNsRemaining !== undefined) return 'password_expired';
  if (!control?.answered && context.resetAttribute) return 'password_expired';
  return 'ok';
}
