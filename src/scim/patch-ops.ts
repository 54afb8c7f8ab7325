import { z } from 'zod';
import { ScimError } from './scim-error.ts';

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const MAX_OPERATIONS = 100;
const MAX_PATH = 300;

export interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

const body = z.looseObject({
  schemas: z.array(z.string()).refine((schemas) => schemas.includes(PATCH_SCHEMA), `schemas must include ${PATCH_SCHEMA}`),
  Operations: z
    .array(
      z.looseObject({
        op: z.string().max(20),
        path: z.string().max(MAX_PATH, `path: at most ${MAX_PATH} characters`).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1, 'Operations is empty')
    .max(MAX_OPERATIONS, `at most ${MAX_OPERATIONS} operations`),
});

/** Names that would reach an object's prototype through scim-patch's path walk (`__proto__.x`): never a SCIM attribute. */
const POLLUTING = /(^|[.[\s])(__proto__|constructor|prototype)($|[.\]\s[])/i;

function refusePollution(value: unknown, depth = 0): void {
  if (depth > 8) throw new ScimError(400, 'The value nests too deep.', 'invalidValue');
  if (Array.isArray(value)) for (const item of value) refusePollution(item, depth + 1);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (POLLUTING.test(key)) throw new ScimError(400, `"${key}" is not an attribute.`, 'invalidPath');
      refusePollution(inner, depth + 1);
    }
  }
}

/**
 * A PATCH request's operations (RFC 7644 §3.5.2), made regular the way
 * Microsoft Entra's provisioning service needs: `op` in any case ("Replace"),
 * and an `add` / `replace` without a path whose value is an object of
 * attribute paths (`{"name.givenName": "Ann", "emails[type eq \"work\"].value": …}`)
 * becomes one operation per path. String booleans ("False") are the
 * resource schema's to read (user-resource.ts).
 */
export function readPatch(raw: unknown): PatchOp[] {
  const parsed = body.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScimError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message}`, 'invalidSyntax');
  }
  const ops: PatchOp[] = [];
  for (const operation of parsed.data.Operations) {
    const op = operation.op.toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ScimError(400, `op "${operation.op}" is not add, replace or remove.`, 'invalidSyntax');
    if (operation.path !== undefined && POLLUTING.test(operation.path)) throw new ScimError(400, `"${operation.path}" is not an attribute.`, 'invalidPath');
    if ((operation.path?.match(/[[(]/g)?.length ?? 0) > 2) throw new ScimError(400, 'The path has too many filters.', 'invalidPath');
    refusePollution(operation.value);
    if (op === 'remove' && !operation.path) throw new ScimError(400, 'A remove needs a path.', 'noTarget');
    if (op !== 'remove' && !('value' in operation)) throw new ScimError(400, `An ${op} needs a value.`, 'invalidValue');
    if (!operation.path && op !== 'remove') {
      const value = operation.value;
      if (!value || typeof value !== 'object' || Array.isArray(value))
        throw new ScimError(400, `An ${op} without a path needs an object value.`, 'invalidValue');
      for (const [path, inner] of Object.entries(value)) ops.push({ op, path, value: inner });
      continue;
    }
    ops.push({ op, path: operation.path, ...('value' in operation ? { value: operation.value } : {}) });
  }
  if (ops.length > MAX_OPERATIONS * 4) throw new ScimError(400, 'Too many attributes in one request.', 'tooMany');
  return ops;
}
