import { z } from 'zod';
import type { DirectorySchema, DirectorySettings } from '../kit/connector.ts';
import { mfaPolicySchema } from '../kit/mfa-settings.ts';
import { brandingSchema } from './branding.ts';
import { defaultPasswordPolicy, passwordPolicySchema } from './password-policy.ts';
import { defaultScimSettings, scimSettingsSchema } from './scim.ts';

export const signInPolicySchema = z
  .object({
    /** Sign-in attempts per user name (its canonical key) in the window; further ones are refused (services/lockout.ts). */
    maxFailedAttempts: z.number().int().min(1).max(1000).default(5),
    /** Window, in seconds, over which attempts are counted: sliding, so a burst at one window's edge still counts in the next. */
    failureWindowSeconds: z.number().int().min(10).max(86_400).default(900),
    /** Sign-in attempts per client IP address per window, across all user names. */
    maxAttemptsPerIp: z.number().int().min(1).max(100_000).default(100),
    /** A user's first sign-in ends with "Change Password", as the seed's registration does (step 14). */
    changePasswordAtFirstSignIn: z.boolean().default(true),
  })
  .strict();

/**
 * Who may get an account in the site. `open`: anyone the directory accepts
 * (an account is made at their first sign-in). `approval`: people ask through
 * "User Registration" and an admin approves; invitations work too.
 * `invitation`: only invited people. In the last two, a directory user with
 * no account is refused at sign-in.
 */
export const signUpPolicySchema = z
  .object({
    mode: z.enum(['open', 'approval', 'invitation']).default('open'),
    /** Addresses told about every new access request, besides the site's admins. */
    approvers: z.array(z.email()).default([]),
    /** Days an invitation link stays valid unless the admin picks otherwise. */
    invitationDays: z.number().int().min(1).max(90).default(7),
  })
  .strict();

/**
 * A site's `directory` block: `kind` names one of `directories` (the
 * directory plugins of this build, handed in by the entry: config imports no
 * plugin), and that kind's own schema validates the rest. A kind this build
 * has no plugin for is refused with the kinds it has.
 */
export function directorySchemaFor(directories: readonly DirectorySchema[]) {
  const byKind = new Map<string, DirectorySchema['settings']>();
  for (const directory of directories) if (!byKind.has(directory.kind)) byKind.set(directory.kind, directory.settings);
  const kinds = [...byKind.keys()].map((kind) => `"${kind}"`).join(', ') || '(none: no directory plugin was handed to the config)';
  return z.looseObject({ kind: z.string({ error: `name the directory's kind, one of ${kinds}` }) }).transform((block, ctx): DirectorySettings => {
    const settings = byKind.get(block.kind);
    if (!settings) {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `no "${block.kind}" directory in this build of admit; use one of ${kinds}` });
      return z.NEVER;
    }
    const parsed = settings.safeParse(block);
    if (parsed.success) return parsed.data;
    // The kind's own issues, with their paths inside the block (sites.0.directory.userBase).
    for (const { path, message } of parsed.error.issues) ctx.addIssue({ code: 'custom', path, message });
    return z.NEVER;
  });
}

/** A site, its `directory` block validated by the schemas of `directories` (see directorySchemaFor). */
export function siteSchemaFor(directories: readonly DirectorySchema[]) {
  return z
    .object({
      /** Shown in "Log on to" and carried in the `tenant` claim, e.g. ITRONMS. */
      id: z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'use 1-32 upper-case letters, digits, _ or -'),
      displayName: z.string().min(1).max(100),
      /** The kind and its settings; each kind's plugin declares its schema (plugins/connector-*\/settings.ts). */
      directory: directorySchemaFor(directories),
      signIn: signInPolicySchema.default(signInPolicySchema.parse({})),
      /** The rules every new password of this site must meet (seed step 14 by default). */
      passwordPolicy: passwordPolicySchema.default(defaultPasswordPolicy),
      /** Second factor: enrollment, methods, "Trust this browser" (see src/kit/mfa-settings.ts). */
      mfa: mfaPolicySchema.default(mfaPolicySchema.parse({})),
      signUp: signUpPolicySchema.default(signUpPolicySchema.parse({})),
      /** SCIM 2.0 provisioning into this site (config/scim.ts; the token is made in the console). */
      scim: scimSettingsSchema.default(defaultScimSettings),
      /** Product name, logo, accent colour, support contact, … (config/branding.ts); none: admit's neutral look. */
      branding: brandingSchema.optional(),
    })
    .strict();
}

/** A site; its `directory` is any kind's block here, and the kind's plugin reads it with its own settings type. */
export type SiteConfig = z.infer<ReturnType<typeof siteSchemaFor>>;
export type SignInPolicy = z.infer<typeof signInPolicySchema>;
export type SignUpPolicy = z.infer<typeof signUpPolicySchema>;
