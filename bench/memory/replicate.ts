import { randomBytes } from 'node:crypto';
import type { AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { type KeyFootprint, keyId } from './redis-keys.ts';

/** Properties of oidc-provider payloads that hold ids tying the records of one session together. */
const ID_PROPERTIES = new Set(['jti', 'uid', 'grantId', 'sid', 'sessionUid', 'accountId']);

/** Every id in a session's records: the records' own ids and the cross-references between them. */
export function collectIds(records: readonly { id: string; payload: unknown }[]): Set<string> {
  const ids = new Set<string>();
  const visit = (value: unknown, property?: string) => {
    if (typeof value === 'string') {
      if (property && ID_PROPERTIES.has(property) && value.length >= 8) ids.add(value);
    } else if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) visit(item, key);
  };
  for (const record of records) {
    ids.add(record.id);
    visit(record.payload);
  }
  return ids;
}

/** A fresh id of the same length and alphabet (base64url), so the copy takes the same space. */
const freshId = (id: string) =>
  randomBytes(Math.ceil((id.length * 3) / 4) + 2)
    .toString('base64url')
    .slice(0, id.length);

/** The template's text with every id replaced by a fresh one, consistently across records. */
export function renameIds(text: string, mapping: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [from, to] of mapping) out = out.split(from).join(to);
  return out;
}

export interface TemplateRecord {
  model: string;
  id: string;
  payload: AdapterPayload;
  ttlSeconds: number | undefined;
}

/** oidc-provider records (`oidc:<Model>:{id}`, model name after `oidc:`) as templates for copies. */
export function templateRecords(keys: readonly KeyFootprint[]): TemplateRecord[] {
  return keys
    .filter((key) => key.kind.startsWith('oidc:') && typeof key.value === 'string')
    .map((key) => ({
      model: key.kind.slice('oidc:'.length),
      id: keyId(key.key),
      payload: JSON.parse(key.value as string) as AdapterPayload,
      ttlSeconds: key.ttlSeconds ?? undefined,
    }));
}

/**
 * Writes one more session like the template through admit's adapter, so the
 * indexes (uid, grant sets) are made exactly as a sign-in makes them.
 */
export async function writeSessionCopy(Adapter: AdapterConstructor, template: readonly TemplateRecord[]): Promise<void> {
  const ids = collectIds(template);
  const mapping = new Map([...ids].map((id) => [id, freshId(id)]));
  for (const record of template) {
    const payload = JSON.parse(renameIds(JSON.stringify(record.payload), mapping)) as AdapterPayload;
    await new Adapter(record.model).upsert(mapping.get(record.id) ?? record.id, payload, record.ttlSeconds ?? 0);
  }
}
