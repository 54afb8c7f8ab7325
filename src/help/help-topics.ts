import type { Site } from '../services/sites.ts';

/**
 * Which of seed 002's answers a page shows, by what the site's directory
 * can do (its declared capabilities, never its kind): Microsoft-account
 * answers for a site whose users sign in with Microsoft, password, reset
 * and unlock answers for one whose users type a password into admit.
 */
export interface HelpTopics {
  microsoft: boolean;
  passwords: boolean;
  /** Reset Password works for the site (/portal/reset). */
  reset: boolean;
  /** Unlock Account works for the site (/portal/unlock; admit's own lock at least). */
  unlock: boolean;
  /** "User Registration" takes requests for the site (/register). */
  registration: boolean;
  /** Minutes a locked sign-in waits before it may try again (the site's failure window). */
  lockMinutes: number;
}

/** The topics of one site, or of several (the page shown before a site is chosen: what any of them needs). */
export function helpTopicsOf(sites: readonly Site[]): HelpTopics {
  const some = (test: (site: Site) => boolean) => sites.some(test);
  const windows = sites.filter((site) => site.capabilities.passwords).map((site) => site.config.signIn.failureWindowSeconds);
  return {
    microsoft: some((site) => site.capabilities.federated),
    passwords: some((site) => site.capabilities.passwords),
    reset: some((site) => site.capabilities.passwords && site.capabilities.passwordReset),
    unlock: some((site) => site.capabilities.passwords),
    registration: some((site) => site.config.signUp.mode === 'approval'),
    lockMinutes: Math.ceil(Math.max(0, ...windows) / 60),
  };
}
