import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Environment, ModuleRun, startEnvironment } from './harness.ts';
import { modules } from './modules.ts';

/**
 * Runs every ported module, in the plans' order, against one admit: one
 * test per module, named after the suite's module. A WARNING leaves the test
 * green with a diagnostic; the result table (module → PASS / WARN / SKIP) is
 * printed as a diagnostic at the end.
 */
export function conformancePlans(name: string, options: () => { store?: string; mfa?: boolean }) {
  describe(`OpenID conformance OP modules (${name})`, () => {
    let env: Environment;
    beforeAll(async () => {
      env = await startEnvironment(name, options());
    });
    afterAll(async () => {
      await env?.stop();
    });

    for (const module of modules) {
      it(module.name, { timeout: 90_000 }, async (t) => {
        const run = new ModuleRun(t, env);
        try {
          await module.run(run);
        } catch (error) {
          env.results.set(module.name, 'FAIL');
          throw error;
        }
        env.results.set(module.name, run.result());
      });
    }

    it('result table', () => {
      // The harness's own check: on the MFA site the sign-ins really went through the authenticator code.
      if (options().mfa) assert.ok(env.totpCodesTyped > 0, 'the MFA site asked for an authenticator code');
      const counts = new Map<string, number>();
      for (const [module, result] of env.results) {
        counts.set(result, (counts.get(result) ?? 0) + 1);
        console.log(`${result.padEnd(4)} ${module}`);
      }
      if (env.totpCodesTyped > 0) console.log(`authenticator codes typed: ${env.totpCodesTyped}`);
      console.log(`${name}: ${[...counts].map(([result, count]) => `${count} ${result}`).join(', ')} of ${env.results.size}`);
    });
  });
}
