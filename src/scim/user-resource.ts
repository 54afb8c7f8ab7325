import { createHash } from 'node:crypto';
import { z } from 'zod';
import { usernameAllowed } from '../kit/username.ts';
import type { Account } from '../services/accounts.ts';
import { ScimError } from './scim-error.ts';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/**
 * What SCIM keeps of a user beside the account: the values SCIM has and
 * the account does not (the directory's externalId as sent, the parts of
 * the name), and whether the user was deleted (DELETE disables the account
 * and hides it from SCIM; a later create of the same user brings it back).
 */
export interface UserExtra {
  externalId?: string;
  displayName?: string;
  name?: { formatted?: string; givenName?: string; familyName?: string };
  deleted?: boolean;
  lastModified?: string;
}

/** Entra's provisioning sends booleans as the strings "True" and "False" (a known quirk): both are accepted. */
export const boolish = z.union([
  z.boolean(),
  z
    .string()
    .regex(/^(true|false)$/i, 'use true or false')
    .transform((value) => value.toLowerCase() === 'true'),
]);
const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);
const optionalText = (max: number) =>
  z
    .union([text(max), z.null()])
    .optional()
    .transform((value) => value || undefined);
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/**
 * A User as admit accepts it (POST, PUT, and a PATCH's outcome). Attributes
 * admit does not keep (phone numbers, addresses, the enterprise extension,
 * roles) are accepted and ignored, as RFC 7644 lets a service provider do:
 * Entra's default mappings send them.
 */
export const userInput = z.looseObject({
  userName: z
    .string({ error: 'required (a string)' })
    .trim()
    .min(1, 'required')
    .max(256, 'at most 256 characters')
    .refine(usernameAllowed, 'has characters a user name may not have'),
  externalId: optionalText(256),
  active: boolish.optional(),
  displayName: optionalText(256),
  name: z
    .union([z.looseObject({ formatted: optionalText(256), givenName: optionalText(128), familyName: optionalText(128) }), z.null()])
    .optional()
    .transform((value) => value ?? undefined),
  emails: z
    .union([
      z
        .array(
          z.looseObject({
            value: z.string().trim().max(320).regex(EMAIL, 'not an email address'),
            type: optionalText(40),
            primary: boolish.optional(),
          }),
        )
        .max(20, 'at most 20 emails'),
      z.null(),
    ])
    .optional()
    .transform((value) => value ?? []),
});

export type UserInput = z.infer<typeof userInput>;

/** The input, or a 400 invalidValue naming the first problem. */
export function parseUser(body: unknown): UserInput {
  const parsed = userInput.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.');
  throw new ScimError(400, path ? `${path}: ${issue?.message}` : (issue?.message ?? 'not a SCIM resource'), 'invalidValue');
}

/** The address admit keeps: the primary one, else the work one, else the first. */
export function primaryEmail(input: UserInput): string | undefined {
  const emails = input.emails;
  return (emails.find((email) => email.primary === true) ?? emails.find((email) => email.type?.toLowerCase() === 'work') ?? emails[0])?.value;
}

/** The one name admit keeps: the display name, else the formatted name, else given and family name. */
export function accountNameOf(input: UserInput): string | undefined {
  const parts = [input.name?.givenName, input.name?.familyName].filter(Boolean).join(' ');
  return input.displayName ?? input.name?.formatted ?? (parts || undefined);
}

/** A weak ETag of a resource's content (RFC 7644 §3.14): any change to what SCIM shows changes it. */
export function versionOf(resource: object): string {
  return `W/"${createHash('sha256').update(JSON.stringify(resource)).digest('base64url').slice(0, 22)}"`;
}

/** The account as a SCIM User, with meta (location, version). */
export function userResource(account: Account, extra: UserExtra, base: string): Record<string, unknown> {
  const name = { formatted: extra.name?.formatted ?? account.name, givenName: extra.name?.givenName, familyName: extra.name?.familyName };
  const body = {
    schemas: [USER_SCHEMA],
    id: account.id,
    ...(extra.externalId ? { externalId: extra.externalId } : {}),
    userName: account.username,
    ...(name.formatted || name.givenName || name.familyName ? { name: definedOnly(name) } : {}),
    ...(extra.displayName || account.name ? { displayName: extra.displayName ?? account.name } : {}),
    active: account.status === 'active',
    emails: account.email ? [{ value: account.email, type: 'work', primary: true }] : [],
    meta: {
      resourceType: 'User',
      created: account.createdAt,
      lastModified: extra.lastModified ?? account.statusChangedAt ?? account.createdAt,
      location: `${base}/Users/${encodeURIComponent(account.id)}`,
    },
  };
  return { ...body, meta: { ...body.meta, version: versionOf(body) } };
}

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
