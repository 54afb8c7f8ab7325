import type { FederatedIdentity } from '../../kit/connector.ts';
import type { SignInState } from '../sign-in-state.ts';

/**
 * `amr` of a sign-in at an upstream identity provider. Not an RFC 8176 value
 * (there is none for federation); it is not a second factor, so admit's MFA
 * step still runs.
 */
export const FEDERATED_AMR = 'fed';

/** RFC 8176: multiple-factor authentication. */
export const MFA_AMR = 'mfa';

/**
 * The amr admit records for a federated sign-in. When the site trusts the
 * upstream's MFA ("trustUpstreamMfa", off by default) and Entra's token says
 * `mfa`, Entra's methods and `mfa` are recorded, so the MFA step and
 * continueSignIn (acr) see the second factor as done. Otherwise only `fed`:
 * whatever Entra claims, admit asks for its own second factor.
 */
export function federatedAmr(identity: FederatedIdentity): string[] {
  if (!identity.upstreamMfaTrusted) return [FEDERATED_AMR];
  return [...new Set([FEDERATED_AMR, ...identity.upstreamAmr, MFA_AMR])];
}

/**
 * Whether this sign-in's second factor was proved upstream and trusted by
 * the site. The MFA step's hook (src/flows/mfa/step.ts): its isNeeded skips
 * (no code, no enrollment) and its session check accepts such a session.
 * `fed` with `mfa` means the second factor counted as done for this sign-in.
 */
export function upstreamMfaSatisfied(state: Pick<SignInState, 'amr'>): boolean {
  return state.amr.includes(FEDERATED_AMR) && state.amr.includes(MFA_AMR);
}
