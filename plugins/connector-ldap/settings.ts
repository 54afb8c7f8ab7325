import { z } from 'zod';
import { checkFilterTemplate } from './filters.ts';

/**
 * A site's `directory` block for an LDAP / Active Directory tenant. Fields a
 * flavour implies (attribute names, user filter, id attribute) default per
 * flavour in parseLdapSettings, so an AD site needs only urls, bind, base.
 */
const ldapUrl = z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/i, 'use ldap://host[:port] or ldaps://host[:port]');

const filterTemplate = (placeholders: string[]) =>
  z.string().superRefine((template, ctx) => {
    const problem = checkFilterTemplate(template, placeholders);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const ldapSettingsSchema = z
  .object({
    kind: z.literal('ldap'),
    /** 'openldap' (RFC 3062 password modify, ppolicy) or 'ad' (unicodePwd, AD sub-codes). */
    flavor: z.enum(['openldap', 'ad']).default('openldap'),
    /** Tried in order; a server that is down is skipped for a while, then tried again. */
    urls: z.array(ldapUrl).min(1),
    /** Upgrade ldap:// connections with StartTLS before any bind. */
    startTls: z.boolean().default(false),
    /** PEM file of the CA(s) that signed the servers' certificates; the system CAs otherwise. */
    tlsCaFile: z.string().min(1).optional(),
    /** The service account that searches users and writes passwords / unlocks. */
    bindDn: z.string().min(1),
    bindPassword: z.string().min(1),
    userBase: z.string().min(1),
    /**
     * An entry that exists only for this: an unknown user name binds to it with
     * a random password, so the directory does for it what it does for a known
     * user's wrong password (finds the entry, checks the password, records the
     * failure). Give it a policy that records failures and never locks (README).
     */
    decoyDn: z.string().min(1).optional(),
    /** `{username}` is replaced by the escaped user name; defaults per flavour. */
    userFilter: filterTemplate(['{username}']).optional(),
    attributes: z
      .object({
        username: z.string().min(1).optional(),
        email: z.string().min(1).optional(),
        name: z.string().min(1).optional(),
        phone: z.string().min(1).optional(),
        memberOf: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** The immutable id that becomes the account's identity in admit. */
    idAttribute: z.enum(['entryUUID', 'objectGUID']).optional(),
    groups: z
      .object({
        mode: z.enum(['memberOf', 'search', 'none']).default('memberOf'),
        /** Search mode: where groups live. */
        base: z.string().min(1).optional(),
        /** Search mode: `{dn}` (the user's DN) and `{username}` are replaced, escaped. */
        filter: filterTemplate([]).default('(member={dn})'),
        /** The group attribute that becomes the name in the `groups` claim. */
        nameAttribute: z.string().min(1).default('cn'),
      })
      .strict()
      .default({ mode: 'memberOf', filter: '(member={dn})', nameAttribute: 'cn' }),
    connectTimeoutMs: z.number().int().min(100).max(60_000).default(3000),
    /** Per operation (bind, search, modify); the Traps in DESIGN.md: ldapts has none by default. */
    timeoutMs: z.number().int().min(100).max(120_000).default(5000),
    /** Service-account connections kept open and reused. */
    poolSize: z.number().int().min(1).max(64).default(4),
  })
  .strict()
  .superRefine((settings, ctx) => {
    if (settings.startTls && settings.urls.some((url) => /^ldaps:/i.test(url))) {
      ctx.addIssue({ code: 'custom', path: ['startTls'], message: 'StartTLS applies to ldap:// urls only; ldaps:// is already encrypted' });
    }
    if (settings.groups.mode === 'search' && !settings.groups.base) {
      ctx.addIssue({ code: 'custom', path: ['groups', 'base'], message: 'Required when groups.mode is search' });
    }
  });

const FLAVOR_DEFAULTS = {
  openldap: {
    userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))',
    idAttribute: 'entryUUID',
    attributes: { username: 'uid', email: 'mail', name: 'displayName', phone: 'telephoneNumber', memberOf: 'memberOf' },
  },
  ad: {
    userFilter: '(&(objectCategory=person)(objectClass=user)(sAMAccountName={username}))',
    idAttribute: 'objectGUID',
    attributes: { username: 'sAMAccountName', email: 'mail', name: 'displayName', phone: 'telephoneNumber', memberOf: 'memberOf' },
  },
} as const;

export type LdapSettings = ReturnType<typeof parseLdapSettings>;

/** Validates a site's directory block; the error names the option path, e.g. "directory.userBase: Required". */
export function parseLdapSettings(input: unknown) {
  const parsed = ldapSettingsSchema.safeParse(input, {
    error: (issue) => (issue.input === undefined ? 'Required' : undefined),
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${['directory', ...issue.path].join('.')}: ${issue.message}`);
    throw new Error(lines.join('\n'));
  }
  const settings = parsed.data;
  const defaults = FLAVOR_DEFAULTS[settings.flavor];
  return {
    ...settings,
    userFilter: settings.userFilter ?? defaults.userFilter,
    idAttribute: settings.idAttribute ?? defaults.idAttribute,
    attributes: { ...defaults.attributes, ...settings.attributes },
  };
}
