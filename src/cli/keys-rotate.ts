import type { Config } from '../config/schema.ts';
import { createSigningKeys, KeyRotationError } from '../oidc/signing-keys.ts';
import { CliError, type Command } from './command.ts';

/** The longest lifetime of a token admit signs: ID tokens, and access tokens (JWT ones for the configured APIs). */
export function longestTokenSeconds(config: Config): number {
  const { tokens } = config;
  return Math.max(tokens.idTokenSeconds, tokens.accessTokenSeconds, ...config.apis.map((api) => api.accessTokenSeconds ?? 0));
}

export const keysRotate: Command = {
  summary: 'stage new signing keys; running instances publish them now and sign with them after the propagation delay',
  help: `Usage: admit keys rotate

Stages new signing keys (RS256 and ES256). No restart: every running admit
instance reads the change from the store within keys.pollSeconds and
publishes the new keys in its JWKS at once; all of them sign with the new
keys after keys.propagationSeconds (longer than the JWKS Cache-Control
max-age, keys.jwksMaxAgeSeconds, plus a poll). The keys signing until then
stay published until every token they signed has expired (the longest ID or
access token lifetime) plus one more propagation delay, then drop out.
Refused while an earlier rotation's keys are still staged.`,
  options: {},
  async run(_values, { config, store, masterSecret }) {
    const { propagationSeconds, pollSeconds } = config.keys;
    const keepSeconds = longestTokenSeconds(config) + propagationSeconds;
    try {
      const { added, retiring, activateAt, retireAt } = await createSigningKeys({ store, masterSecret }).rotate({ propagationSeconds, keepSeconds });
      return [
        `new signing keys: ${added.join(', ')}`,
        `published by every instance within ${pollSeconds} s; they sign from ${activateAt.toISOString()} (in ${propagationSeconds} s)`,
        `the keys signing until then stay published until ${retireAt.toISOString()}: ${retiring.length > 0 ? retiring.join(', ') : '(none)'}`,
        'no restart is needed',
      ].join('\n');
    } catch (error) {
      if (error instanceof KeyRotationError) throw new CliError(error.message);
      throw error;
    }
  },
};
