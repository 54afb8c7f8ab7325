import { AuthError, ServerError } from '@azure/msal-node';
import { UpstreamUnavailableError } from './network-client.ts';

export type Failure = { status: 'rejected'; reason: string } | { status: 'unavailable'; reason: string };

/**
 * What a failed call to Microsoft means for the sign-in. The network client's
 * own record wins (MSAL wraps its errors into a generic "network_error");
 * Microsoft refusing the code (already redeemed, expired, issued to another
 * client or for another PKCE verifier) is a rejection; anything else we
 * cannot tell apart from an outage is "unavailable", never a 500.
 */
export function failureOf(error: unknown, networkFailures: string[]): Failure {
  if (networkFailures.length > 0) return { status: 'unavailable', reason: networkFailures[0]! };
  if (error instanceof UpstreamUnavailableError) return { status: 'unavailable', reason: error.message };
  if (error instanceof ServerError) return { status: 'rejected', reason: `code_rejected:${error.errorCode || 'unknown'}${aadstsOf(error.errorMessage)}` };
  if (error instanceof AuthError) {
    if (error.errorCode === 'nonce_mismatch') return { status: 'rejected', reason: 'nonce_mismatch' };
    if (error.errorCode === 'state_mismatch' || error.errorCode === 'state_not_found') return { status: 'rejected', reason: 'state_mismatch' };
    if (error.errorCode === 'network_error') return { status: 'unavailable', reason: `network: ${error.errorMessage}` };
    return { status: 'rejected', reason: `msal:${error.errorCode}` };
  }
  return { status: 'unavailable', reason: `unexpected: ${(error as Error)?.message ?? String(error)}` };
}

/** Microsoft's AADSTS error number, when its message carries one. */
function aadstsOf(message: string | undefined): string {
  const match = /AADSTS\d+/.exec(message ?? '');
  return match ? `:${match[0]}` : '';
}
