import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { z } from 'zod';
import { siteSchemaFor } from './sites.ts';

/** Stand-ins for plugins' settings schemas: the config knows no directory kind of its own. */
const alpha = { kind: 'alpha', settings: z.object({ kind: z.literal('alpha'), size: z.number().int().default(1) }).strict() };
const beta = { kind: 'beta', settings: z.object({ kind: z.literal('beta'), host: z.string().transform((host) => host.toLowerCase()) }).strict() };
const issues = (result: { error?: z.ZodError }) => result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
const site = (directory: unknown) => ({ id: 'DEMO', displayName: 'Demo', directory });

describe("a site's directory block", () => {
  it("is the output of its kind's schema (defaults, transforms), and only of the kinds handed in", () => {
    const schema = siteSchemaFor([alpha, beta]);
    assert.deepEqual(schema.parse(site({ kind: 'alpha' })).directory, { kind: 'alpha', size: 1 });
    assert.deepEqual(schema.parse(site({ kind: 'beta', host: 'LDAP.Example' })).directory, { kind: 'beta', host: 'ldap.example' });
    assert.deepEqual(issues(schema.safeParse(site({ kind: 'alpha', size: 1.5, host: 'x' })))?.sort(), [
      'directory.size: Invalid input: expected int, received number',
      'directory: Unrecognized key: "host"',
    ]);
    assert.deepEqual(issues(siteSchemaFor([alpha]).safeParse(site({ kind: 'beta', host: 'x' }))), [
      'directory.kind: no "beta" directory in this build of admit; use one of "alpha"',
    ]);
  });

  it('names the kinds when the kind is missing, not text, or unknown', () => {
    const schema = siteSchemaFor([alpha, beta]);
    assert.deepEqual(issues(schema.safeParse(site({ size: 2 }))), ['directory.kind: name the directory\'s kind, one of "alpha", "beta"']);
    assert.deepEqual(issues(schema.safeParse(site({ kind: ['alpha'] }))), ['directory.kind: name the directory\'s kind, one of "alpha", "beta"']);
    assert.deepEqual(issues(schema.safeParse(site({ kind: 'Alpha' }))), [
      'directory.kind: no "Alpha" directory in this build of admit; use one of "alpha", "beta"',
    ]);
    assert.deepEqual(issues(siteSchemaFor([]).safeParse(site({ kind: 'alpha' }))), [
      'directory.kind: no "alpha" directory in this build of admit; use one of (none: no directory plugin was handed to the config)',
    ]);
  });

  it("a kind handed in twice is validated by the first (a test's plugin before the built-in one)", () => {
    const shadow = { kind: 'alpha', settings: z.object({ kind: z.literal('alpha'), colour: z.string() }).strict() };
    assert.deepEqual(siteSchemaFor([shadow, alpha]).parse(site({ kind: 'alpha', colour: 'red' })).directory, { kind: 'alpha', colour: 'red' });
  });
});
