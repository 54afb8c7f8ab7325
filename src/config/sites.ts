import { z } from 'zod';
import { passwordPolicySchema, defaultPasswordPolicy } from '../services/password-policy/schema.ts';

/** The local directory: accounts and password hashes kept by admit itself. */
const localDirectory = z.object({
  kind: z.literal('local'),
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
  /** Failed sign-ins per user name before further attempts are refused for the window. */
  maxFailedAttempts: z.number().int().min(1).max(1000).default(5),
  /** Window, in seconds, over which failures are counted. */
  failureWindowSeconds: z.number().int().min(10).max(86_400).default(900),
  /** Sign-in attempts per client IP address per window, across all user names. */
  maxAttemptsPerIp: z.number().int().min(1).max(100_000).default(100),
  /** A user's first sign-in ends with "Change Password", as the seed's registration does (step 14). */
  changePasswordAtFirstSignIn: z.boolean().default(true),
}).strict();

export const siteSchema = z.object({
  /** Shown in "Log on to" and carried in the `tenant` claim, e.g. ITRONMS. */
  id: z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'use 1-32 upper-case letters, digits, _ or -'),
  displayName: z.string().min(1).max(100),
  directory: z.discriminatedUnion('kind', [localDirectory, ldapDirectory, entraDirectory]),
  signIn: signInPolicySchema.default(signInPolicySchema.parse({})),
  /** The rules every new password of this site must meet (seed step 14 by default). */
  passwordPolicy: passwordPolicySchema.default(defaultPasswordPolicy),
}).strict();

export type SiteConfig = z.infer<typeof siteSchema>;
export type SignInPolicy = z.infer<typeof signInPolicySchema>;
