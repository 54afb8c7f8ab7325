import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every `<language>/<namespace>.json` under a locales directory: resources[language][namespace]. */
export type Resources = Record<string, Record<string, Record<string, unknown>>>;

/**
 * Reads every namespace file of every language on disk, synchronously at
 * start-up (a handful of small files): a namespace someone adds (help,
 * region, brand, …) loads without a code change. A file that is not a JSON
 * object stops start-up with its path named.
 */
export function loadLocaleFiles(localesDir: string): Resources {
  const resources: Resources = {};
  if (!existsSync(localesDir)) return resources;
  for (const language of readdirSync(localesDir, { withFileTypes: true })) {
    if (!language.isDirectory()) continue;
    const namespaces: Record<string, Record<string, unknown>> = {};
    for (const file of readdirSync(join(localesDir, language.name))) {
      if (!file.endsWith('.json')) continue;
      const path = join(localesDir, language.name, file);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(path, 'utf8'));
      } catch (error) {
        throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${path}: must hold a JSON object of keys`);
      namespaces[file.slice(0, -'.json'.length)] = parsed as Record<string, unknown>;
    }
    resources[language.name] = namespaces;
  }
  return resources;
}
