import { z } from 'zod';
import { passwordPolicySchema, defaultPasswordPolicy } from './password-policy.ts';
import { mfaPolicySchema } from '../kit/mfa-settings.ts';

/** The local directory: accounts and password hashes kept by admit itself. */
const localDirectory = z.object({
  kind: z.literal('local'),
  /**
   * A password hash made with less work than admit's argon2id parameters is
   * replaced at its owner's next successful sign-in. false keeps stored hashes
   * as they are (the benchmark's near-free hashes that take the hash out of
   * its protocol sign-in).
   */
  rehashOnSignIn: z.boolean().default(true),
}).strict();

/** LDAP / Active Directory; the connector validates its own settings (see plugins/connector-ldap). */
const ldapDirectory = z.object({
  kind: z.literal('ldap'),
}).passthrough();

/** Microsoft Entra ID; the connector validates its own settings (see plugins/connector-entra). */
const entraDirectory = z.object({
  kind: z.literal('entra'),
}).passthrough();

export const signInPolicySchema = z.object({
  /** Sign-in attempts per user name (its canonical key) in the window; further ones are refused (services/lockout.ts). */
  maxFailedAttempts: z.number().int().min(1).max(1000).default(5),
  /** Window, in seconds, over which attempts are counted: sliding, so a burst at one window's edge still counts in the next. */
  failureWindowSeconds: z.number().int().min(10).max(86_400).default(900),
  /** Sign-in attempts per client IP address per window, across all user names. */
  maxAttemptsPerIp: z.number().int().min(1).max(100_000).default(100),
  /** A user's first sign-in ends with "Change Password", as the seed's registration does (step 14). */
  changePasswordAtFirstSignIn: z.boolean().default(true),
}).strict();

/**
 * Who may get an account in the site. `open`: anyone the directory accepts
 * (an account is made at their first sign-in). `approval`: people ask through
 * "User Registration" and an admin approves; invitations work too.
 * `invitation`: only invited people. In the last two, a directory user with
 * no account is refused at sign-in.
 */
export const signUpPolicySchema = z.object({
  mode: z.enum(['open', 'approval', 'invitation']).default('open'),
  /** Addresses told about every new access request, besides the site's admins. */
  approvers: z.array(z.email()).default([]),
  /** Days an invitation link stays valid unless the admin picks otherwise. */
  invitationDays: z.number().int().min(1).max(90).default(7),
}).strict();

export const siteSchema = z.object({
  /** Shown in "Log on to" and carried in the `tenant` claim, e.g. ITRONMS. */
  id: z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'use 1-32 upper-case letters, digits, _ or -'),
  displayName: z.string().min(1).max(100),
  directory: z.discriminatedUnion('kind', [localDirectory, ldapDirectory, entraDirectory]),
  signIn: signInPolicySchema.default(signInPolicySchema.parse({})),
  /** The rules every new password of this site must meet (seed step 14 by default). */
  passwordPolicy: passwordPolicySchema.default(defaultPasswordPolicy),
  /** Second factor: enrollment, methods, "Trust this browser" (see src/kit/mfa-settings.ts). */
  mfa: mfaPolicySchema.default(mfaPolicySchema.parse({})),
  signUp: signUpPolicySchema.default(signUpPolicySchema.parse({})),
}).strict();

export type SiteConfig = z.infer<typeof siteSchema>;
export type SignInPolicy = z.infer<typeof signInPolicySchema>;
export type SignUpPolicy = z.infer<typeof signUpPolicySchema>;
