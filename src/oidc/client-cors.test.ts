import assert from 'node:assert/strict';
import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import { describe, it } from 'vitest';
import { clientBasedCORS } from './client-cors.ts';

const at = (route: string) => ({ oidc: { route } }) as unknown as KoaContextWithOIDC;
const client = (clientAuthMethod: string) =>
  ({ clientAuthMethod, redirectUris: ['http://127.0.0.1:4000/callback.html', 'https://app.example.com/cb'] }) as unknown as Client;

describe('clientBasedCORS', () => {
  it("allows a public client's redirect URI origins on the token endpoint, and nothing else", () => {
    const spa = client('none');
    assert.equal(clientBasedCORS(at('token'), 'http://127.0.0.1:4000', spa), true);
    assert.equal(clientBasedCORS(at('token'), 'https://app.example.com', spa), true);
    assert.equal(clientBasedCORS(at('token'), 'http://127.0.0.1:4001', spa), false, 'another port is another origin');
    assert.equal(clientBasedCORS(at('token'), 'https://evil.example.com', spa), false);
    assert.equal(clientBasedCORS(at('token'), 'null', spa), false, 'sandboxed frames and file: pages');
  });

  it('gives a confidential client CORS on userinfo only', () => {
    const web = client('client_secret_basic');
    assert.equal(clientBasedCORS(at('token'), 'https://app.example.com', web), false);
    assert.equal(clientBasedCORS(at('introspection'), 'https://app.example.com', web), false);
    assert.equal(clientBasedCORS(at('userinfo'), 'https://app.example.com', web), true);
    assert.equal(clientBasedCORS(at('userinfo'), 'https://evil.example.com', web), false);
  });
});
