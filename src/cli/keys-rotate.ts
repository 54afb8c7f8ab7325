import { createSigningKeys } from '../oidc/signing-keys.ts';
import type { Command } from './command.ts';

export const keysRotate: Command = {
  summary: 'create new signing keys; keep the old ones for verification',
  help: `Usage: admit keys rotate

Creates new signing keys (RS256 and ES256). Each admit instance signs with
them from its next start (restart instances one by one). The previous keys
stay published in the JWKS until every token they signed has expired
(the longer of the ID token and access token lifetimes), then
drop out.`,
  options: {},
  async run(_values, { config, store, masterSecret }) {
    const { tokens } = config;
    const keep = Math.max(tokens.idTokenSeconds, tokens.accessTokenSeconds);
    const { added, retiring } = await createSigningKeys({ store, masterSecret }).rotate(keep);
    return [
      `new signing keys: ${added.join(', ')}`,
      `kept for verification for ${keep} s: ${retiring.length > 0 ? retiring.join(', ') : '(none)'}`,
      'restart each admit instance to sign with the new keys',
    ].join('\n');
  },
};
