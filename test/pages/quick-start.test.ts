import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { totpCode } from '../../plugins/mfa-totp/totp.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { freePort } from '../support/free-port.ts';

/** Starts a process and resolves once its output matches `ready`; collects all output. */
function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${text}`)), 30_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (ready.test(text)) {
        clearTimeout(timer);
        resolve({ child, output: () => text });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${text}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * The README's quick start, as a person does it: `npm start` (src/main.ts on
 * the shipped config), `npm run example:rp`, then sign in from the sample app
 * in Chromium with the printed demo password, and sign out.
 */
describe('quick start: admit and the sample relying application', () => {
  let dir: string;
  let admitPort: number;
  let rpPort: number;
  let admit: Awaited<ReturnType<typeof startProcess>>;
  let rp: Awaited<ReturnType<typeof startProcess>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'admit-quickstart-'));
    [admitPort, rpPort] = [await freePort(), await freePort()];
    // The shipped default config, with the sample app's port moved to a free one.
    writeFileSync(join(dir, 'admit.yaml'), readFileSync('config/default.yaml', 'utf8').replaceAll('localhost:3001', `localhost:${rpPort}`));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(admitPort),
      ADMIT_CONFIG: join(dir, 'admit.yaml'),
      ADMIT_STORE: `sqlite:${join(dir, 'data', 'admit.db')}`,
      ADMIT_LOG_LEVEL: 'warn',
    };
    delete env.ADMIT_SECRET;
    admit = await startProcess(['src/main.ts'], env, /demo sign-in: .*\n/);
    rp = await startProcess(
      ['examples/rp/server.ts'],
      { ...process.env, RP_PORT: String(rpPort), ADMIT_ISSUER: `http://localhost:${admitPort}` },
      /example relying application on/,
    );
  });
  afterAll(async () => {
    rp?.child.kill();
    admit?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints how to sign in, and the sample app signs in and out through admit in Chromium', async () => {
    const printed = admit.output();
    assert.match(printed, new RegExp(`admit is ready at http://localhost:${admitPort}`));
    const password = /Password "([^"]+)"/.exec(printed)?.[1];
    assert.ok(password, printed);

    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      await page.goto(`http://localhost:${rpPort}/`);
      await page.getByRole('link', { name: 'Sign in with admit' }).click();
      await page.getByLabel('User Name').fill('demo');
      await page.getByLabel('Password').fill(password);
      await page.getByLabel('Log on to').selectOption('DEMO');
      await screenshot(page, 'quick-start-sign-in');
      await page.getByRole('button', { name: 'Sign in' }).click();
      // The first sign-in walks through MFA enrollment (seed steps 4-13): a tablet with an authenticator app.
      await page.getByRole('button', { name: 'Start setup' }).click();
      await page.getByLabel('Tablet (iPad, Nexus 7, etc.)').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('iPad').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText("Can't scan the code?").click();
      const key = (await page.locator('#manual-key').innerText()).replace(/\s/g, '');
      const step = Math.floor(Date.now() / 30_000);
      // Two different time steps (both within the ±1 tolerance): a code is accepted once.
      await page.getByLabel('Enter the 6-digit code from the app').fill(totpCode(key, (step - 1) * 30_000));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Skip' }).click();
      await page.getByRole('button', { name: 'Continue to Login' }).click();
      await page.getByRole('button', { name: 'Passcode' }).click();
      await page.getByLabel('Passcode from your authenticator app').fill(totpCode(key, step * 30_000));
      await page.getByRole('button', { name: 'Verify' }).click();
      // The first sign-in ends with "Change Password", as in the seed.
      await page.getByLabel('Old Password').fill(password);
      await page.getByLabel('New Password', { exact: true }).fill('Quick#Start2026');
      await page.getByLabel('Confirm New Password').fill('Quick#Start2026');
      await page.getByRole('button', { name: 'Change Password' }).click();
      await page.getByRole('heading', { name: 'Signed in' }).waitFor();
      const claims = JSON.parse(await page.locator('#claims').innerText()) as Record<string, unknown>;
      assert.equal(claims.tenant, undefined, 'the ID token keeps profile claims for userinfo');
      assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
      await screenshot(page, 'quick-start-signed-in');

      await page.getByRole('link', { name: 'Call userinfo' }).click();
      assert.match(await page.locator('pre').innerText(), /"tenant": "DEMO"/);
      await page.getByRole('link', { name: 'Back' }).click();
      await page.getByRole('link', { name: 'Refresh tokens' }).click();
      await page.getByRole('heading', { name: 'Signed in' }).waitFor();

      await page.getByRole('link', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.getByText('Not signed in.').waitFor();
    } finally {
      await chromium.close();
    }
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = exitOf(admit.child);
    admit.child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  it('refuses to start, with a clear message, when the store cannot be reached', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['src/main.ts'], {
      env: { ...process.env, PORT: String(port), ADMIT_STORE: `redis://127.0.0.1:${port}`, ADMIT_SECRET: 's'.repeat(40) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    assert.equal(await exitOf(child), 1);
    assert.match(stderr, /admit could not start: cannot reach Redis at 127\.0\.0\.1:\d+/);
  });
});
