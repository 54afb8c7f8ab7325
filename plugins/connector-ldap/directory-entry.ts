import type { Entry } from 'ldapts';

/**
 * A search result entry read the way LDAP means it: attribute names are
 * case-insensitive (AD may answer `objectguid` for `objectGUID`), every
 * attribute may hold several values.
 */
export interface DirectoryEntry {
  dn: string;
  strings(attribute: string): string[];
  first(attribute: string): string | undefined;
  buffer(attribute: string): Buffer | undefined;
}

export function readEntry(entry: Entry): DirectoryEntry {
  const byName = new Map<string, (string | Buffer)[]>();
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    byName.set(name.toLowerCase(), Array.isArray(value) ? value : [value]);
  }
  const values = (attribute: string) => byName.get(attribute.toLowerCase()) ?? [];
  const strings = (attribute: string) => values(attribute).map((value) => (Buffer.isBuffer(value) ? value.toString('utf8') : value));
  return {
    dn: entry.dn,
    strings,
    first: (attribute) => strings(attribute).find((value) => value !== ''),
    buffer(attribute) {
      const value = values(attribute)[0];
      // Binary values are requested as buffers; one that came back under another spelling was
      // decoded because it happened to be valid UTF-8, so its bytes round-trip (a leading BOM aside).
      return value === undefined ? undefined : Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
    },
  };
}
