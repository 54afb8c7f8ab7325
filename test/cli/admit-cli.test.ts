import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { signInThroughBrowser } from '../oidc/relying-party.ts';
import { startAdmit, TEST_SECRET } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';

describe('the admit command line', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const admit = (...args: string[]) => spawnSync(process.execPath, ['bin/admit.js', ...args], { env, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'admit-cli-'));
    writeFileSync(
      join(dir, 'admit.yaml'),
      'sites:\n  - id: DEMO\n    displayName: Demo\n    directory: { kind: local }\n  - id: CORP\n    displayName: Corp\n    directory: { kind: entra, tenant: 6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b, clientId: admit, clientSecret: corp-secret }\n',
    );
    env = { ...process.env, ADMIT_CONFIG: join(dir, 'admit.yaml'), ADMIT_STORE: `sqlite:${join(dir, 'admit.db')}`, ADMIT_SECRET: TEST_SECRET };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help for the tool and each command', () => {
    const top = admit('--help');
    assert.equal(top.status, 0);
    assert.match(top.stdout, /admit user add/);
    assert.match(top.stdout, /admit client add/);
    assert.match(top.stdout, /admit keys rotate/);
    for (const command of [
      ['user', 'add'],
      ['client', 'add'],
      ['keys', 'rotate'],
    ]) {
      const help = admit(...command, '--help');
      assert.equal(help.status, 0, command.join(' '));
      assert.match(help.stdout, new RegExp(`Usage: admit ${command.join(' ')}`));
    }
  });

  it('refuses unknown commands, unknown options and missing or bad values with a non-zero exit', () => {
    const cases: [string[], number, RegExp][] = [
      [['frobnicate'], 2, /unknown command "frobnicate"/],
      [['user', 'add', '--colour', 'red'], 2, /Unknown option '--colour'/],
      [['user', 'add', '--username', 'x', '--password', 'Long-enough-1'], 1, /--site is required/],
      [['user', 'add', '--site', 'NOPE', '--username', 'x', '--password', 'Long-enough-1'], 1, /no site "NOPE"; the sites are DEMO, CORP/],
      [['user', 'add', '--site', 'CORP', '--username', 'x', '--password', 'Long-enough-1'], 1, /uses the entra directory/],
      [['user', 'add', '--site', 'DEMO', '--username', 'x', '--password', 'short'], 1, /--password: 8 to 1024 characters/],
      [['user', 'add', '--site', 'DEMO', '--username', 'x', '--password', 'Long-enough-1', '--email', 'not-an-email'], 1, /--email/],
      [['client', 'add', '--id', 'web', '--redirect-uri', 'not a url'], 1, /--redirect-uri/],
      [['client', 'add', '--id', 'web', '--redirect-uri', 'https://app.example/cb', '--secret', 'short'], 1, /--secret: use at least 32 characters/],
      [['client', 'add', '--id', 'web', '--redirect-uri', 'https://app.example/cb', '--secret', 's'.repeat(40), '--public'], 1, /exclude each other/],
    ];
    for (const [args, status, message] of cases) {
      const result = admit(...args);
      assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('stops with the option path when the config is wrong', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'sites:\n  - id: demo\n    displayName: Demo\n    directory: { kind: local }\n');
    const result = spawnSync(process.execPath, ['bin/admit.js', 'keys', 'rotate'], { env: { ...env, ADMIT_CONFIG: join(dir, 'bad.yaml') }, encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /sites\.0\.id/);
  });

  it('adds a user and a client that can then sign in, and refuses duplicates', async () => {
    const user = admit(
      'user',
      'add',
      '--site',
      'DEMO',
      '--username',
      'grace',
      '--password',
      'Grace-Pass-77',
      '--email',
      'grace@example.com',
      '--name',
      'Grace Hopper',
    );
    assert.equal(user.status, 0, user.stderr);
    assert.match(user.stdout, /added user "grace" to site DEMO/);
    assert.equal(
      admit('user', 'add', '--site', 'DEMO', '--username', 'GRACE', '--password', 'Grace-Pass-77').status,
      1,
      'user names are unique, case-insensitively',
    );

    const client = admit('client', 'add', '--id', 'cli-app', '--redirect-uri', 'http://127.0.0.1:9/callback', '--first-party', '--name', 'CLI App');
    assert.equal(client.status, 0, client.stderr);
    const secret = /client secret \(shown once\): (\S+)/.exec(client.stdout)?.[1];
    assert.ok(secret);
    assert.equal(admit('client', 'add', '--id', 'cli-app', '--redirect-uri', 'http://127.0.0.1:9/callback').status, 1);

    const running = await startAdmit({
      store: env.ADMIT_STORE,
      config: { sites: [{ id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } }] },
    });
    try {
      const config = await oidc.discovery(new URL(running.issuer), 'cli-app', secret, undefined, { execute: [oidc.allowInsecureRequests] });
      const { callback, verifier, state, nonce } = await signInThroughBrowser(config, new FormBrowser(), {
        username: 'grace',
        password: 'Grace-Pass-77',
        site: 'DEMO',
      });
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      assert.equal((await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).name, 'Grace Hopper');
    } finally {
      await running.stop();
    }
  });

  it('stages new signing keys: a running instance publishes them without a restart and signs with the old ones until the switch', async () => {
    const running = await startAdmit({
      store: env.ADMIT_STORE,
      config: {
        sites: [{ id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } }],
        clients: [{ client_id: 'rp', client_secret: 'r'.repeat(40), first_party: true, redirect_uris: ['http://127.0.0.1:9/callback'] }],
      },
    });
    try {
      const kids = async () => ((await (await fetch(`${running.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
      const kidsBefore = await kids();
      const rotated = admit('keys', 'rotate');
      assert.equal(rotated.status, 0, rotated.stderr);
      assert.match(rotated.stdout, /new signing keys/);
      assert.match(rotated.stdout, /they sign from \S+ \(in 600 s\)/, 'the default propagation delay');
      assert.match(rotated.stdout, /no restart/);
      const again = admit('keys', 'rotate');
      assert.equal(again.status, 1, "a second rotation waits for the first one's switch");
      assert.match(again.stderr, /are staged and sign from/);

      await running.admit.signingKeys.refresh();
      const kidsAfter = await kids();
      assert.equal(kidsAfter.length, kidsBefore.length * 2, 'the new keys are published without a restart');
      for (const kid of kidsBefore) assert.ok(kidsAfter.includes(kid), 'the old keys are still published');

      const config = await oidc.discovery(new URL(running.issuer), 'rp', 'r'.repeat(40), undefined, { execute: [oidc.allowInsecureRequests] });
      const { callback, verifier, state, nonce } = await signInThroughBrowser(config, new FormBrowser(), {
        username: 'grace',
        password: 'Grace-Pass-77',
        site: 'DEMO',
      });
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      const { kid } = decodeProtectedHeader(tokens.id_token!);
      assert.ok(kid && kidsBefore.includes(kid), 'still signed with an old key during the propagation delay');
    } finally {
      await running.stop();
    }
  });
});
