import type { RecoveryKind } from './flow.ts';

/** The words of each recovery flow (the seed's link texts as headings). */
export const recoveryTexts: Record<RecoveryKind, { heading: string; lead: string; done: string }> = {
  reset: {
    heading: 'Reset Password',
    lead: 'Reset your forgotten password. You will prove who you are with a second factor you set up.',
    done: 'Your password was reset. You were signed out on your other devices and browsers, and trusted browsers must verify again. Sign in with the new password.',
  },
  unlock: {
    heading: 'Unlock Account',
    lead: 'Unlock your locked out account. You will prove who you are with a second factor you set up.',
    done: 'If this account was locked, it is unlocked now. Sign in again.',
  },
};
