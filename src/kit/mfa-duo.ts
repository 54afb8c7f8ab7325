/**
 * The contract of a hosted second factor that redirects (Duo's Universal
 * Prompt, plugins/mfa-duo): admit's Duo factor (services/mfa/duo.ts) adds
 * the state binding, the failure limit and audit around it.
 */
import type { DuoSettings } from './mfa-settings.ts';

/** What Duo's token says about the authentication it ran. */
export type DuoOutcome =
  | { status: 'allow'; factor: string }
  | { status: 'deny'; reason: string }
  /** The code could not be exchanged or the token did not verify (wrong user, wrong signature, expired, Duo down). */
  | { status: 'error'; reason: string };

export interface DuoPrompt {
  /** Whether Duo answers its health check (the answer is reused for `healthCacheSeconds`). */
  healthy(): Promise<boolean>;
  /** A fresh random state for one redirect to Duo. */
  newState(): string;
  /** Where to send the browser: Duo's Universal Prompt for this user, coming back to `redirectUrl`. */
  authUrl(input: { username: string; state: string; redirectUrl: string }): Promise<string>;
  /** Exchanges the `duo_code` Duo sent back; the SDK checks the token's signature, audience, issuer, expiry and user. */
  exchange(input: { code: string; username: string; redirectUrl: string }): Promise<DuoOutcome>;
}

/** The plugin: a prompt per site's settings, and the `amr` of the factor Duo reports (undefined: none now). */
export interface DuoPlugin {
  create(settings: DuoSettings): DuoPrompt;
  amrOf(factor: string): string | undefined;
}
