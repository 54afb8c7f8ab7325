import type { LdapSession } from './connection.ts';
import { type DirectoryEntry, readEntry } from './directory-entry.ts';
import { fillFilter } from './filters.ts';
import type { LdapSettings } from './settings.ts';

/** More groups than this are cut: a token is not the place for a whole directory. */
const MAX_GROUPS = 500;

/**
 * The user's groups for the `groups` claim, by name (`groups.nameAttribute`).
 * memberOf mode reads the DNs on the user's entry and takes the name from the
 * first RDN when it is that attribute (cn=Staff,ou=groups → Staff), looking
 * the group up only otherwise; search mode asks the group tree directly.
 */
export async function resolveGroups(session: LdapSession, settings: LdapSettings, user: DirectoryEntry, username: string): Promise<string[]> {
  const { groups } = settings;
  if (groups.mode === 'none') return [];
  const names: string[] = [];
  if (groups.mode === 'search') {
    const { searchEntries } = await session.search(groups.base ?? settings.userBase, {
      scope: 'sub',
      filter: fillFilter(groups.filter, { username, dn: user.dn }),
      sizeLimit: MAX_GROUPS,
      timeLimit: Math.ceil(settings.timeoutMs / 1000),
      attributes: [groups.nameAttribute],
    });
    for (const entry of searchEntries) names.push(...readEntry(entry).strings(groups.nameAttribute).slice(0, 1));
  } else {
    for (const dn of user.strings(settings.attributes.memberOf).slice(0, MAX_GROUPS)) {
      const rdn = firstRdn(dn);
      if (rdn && rdn.attribute.toLowerCase() === groups.nameAttribute.toLowerCase()) names.push(rdn.value);
      else names.push(...(await groupName(session, settings, dn)));
    }
  }
  return [...new Set(names)].sort();
}

async function groupName(session: LdapSession, settings: LdapSettings, dn: string): Promise<string[]> {
  const { searchEntries } = await session.search(dn, { scope: 'base', attributes: [settings.groups.nameAttribute] });
  const [entry] = searchEntries;
  return entry ? readEntry(entry).strings(settings.groups.nameAttribute).slice(0, 1) : [];
}

/** The first attribute=value of a DN, with RFC 4514 escapes (`\,`, `\2C`) decoded. */
export function firstRdn(dn: string): { attribute: string; value: string } | undefined {
  const equals = dn.indexOf('=');
  if (equals <= 0) return undefined;
  const bytes: number[] = [];
  let i = equals + 1;
  while (i < dn.length) {
    const char = String.fromCodePoint(dn.codePointAt(i)!);
    if (char === ',' || char === '+') break;
    const hex = dn.slice(i + 1, i + 3);
    if (char === '\\' && /^[0-9a-f]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else if (char === '\\') {
      const escaped = String.fromCodePoint(dn.codePointAt(i + 1) ?? 0x5c);
      bytes.push(...Buffer.from(escaped, 'utf8'));
      i += 1 + escaped.length;
    } else {
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length;
    }
  }
  return { attribute: dn.slice(0, equals).trim(), value: Buffer.from(bytes).toString('utf8').trim() };
}
