import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { freePort } from '../support/free-port.ts';

function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${text}`)), 30_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (ready.test(text)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${text}`)));
  });
}

/**
 * The sample relying application (examples/rp) when admit answers with an
 * OAuth error: Cancel on the sign-in page comes back as `access_denied`, which
 * the app shows as "You cancelled the sign-in" with a way to sign in again,
 * not a raw openid-client error. At 1280 px and 390 px.
 */
describe('the sample relying application answers OAuth errors with a page in words', () => {
  let dir: string;
  let admitPort: number;
  let rpPort: number;
  let admit: ChildProcess;
  let rp: ChildProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'admit-rp-errors-'));
    [admitPort, rpPort] = [await freePort(), await freePort()];
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
    rp?.kill();
    admit?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  for (const size of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    it(`Cancel on the sign-in page: "You cancelled the sign-in" and "Sign in again" (${size.width} px)`, async () => {
      const chromium = await launchChromium();
      try {
        const page = await (await chromium.browser.newContext({ viewport: size })).newPage();
        await page.goto(`http://localhost:${rpPort}/`);
        await page.getByRole('link', { name: 'Sign in with admit' }).click();
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        await page.getByRole('button', { name: 'Cancel' }).click();

        await page.getByRole('heading', { name: 'You cancelled the sign-in' }).waitFor();
        assert.equal(new URL(page.url()).port, String(rpPort), 'back at the application');
        const text = await page.locator('body').innerText();
        assert.match(text, /You are not signed in, and nothing was shared with this application\./);
        assert.doesNotMatch(text, /authorization response from the server is an error/);
        assert.match(text, /Error code: access_denied/);
        await screenshot(page, `ui-example-rp-cancelled-${size.width}`);

        await page.getByRole('link', { name: 'Sign in again' }).click();
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.equal(new URL(page.url()).port, String(admitPort), 'a new sign-in at admit');
      } finally {
        await chromium.close();
      }
    });
  }

  it('an error it has no words for still gets a page, with the code and a way to try again', async () => {
    const chromium = await launchChromium();
    try {
      const context = await chromium.browser.newContext();
      const page = await context.newPage();
      await page.goto(`http://localhost:${rpPort}/`);
      // The browser's sign-in starts at the app (same cookies); admit answers with an error the app has no words for.
      const started = await context.request.get(`http://localhost:${rpPort}/login`, { maxRedirects: 0 });
      const state = new URL(started.headers().location!).searchParams.get('state')!;
      await page.goto(
        `http://localhost:${rpPort}/callback?${new URLSearchParams({ error: 'server_error', error_description: '<b>boom</b>', state, iss: `http://localhost:${admitPort}` })}`,
      );
      await page.getByRole('heading', { name: 'The sign-in did not finish' }).waitFor();
      assert.match(await page.locator('body').innerText(), /Error code: server_error \(<b>boom<\/b>\)/, 'shown as text, not markup');
      await page.getByRole('link', { name: 'Sign in again' }).waitFor();
    } finally {
      await chromium.close();
    }
  });
});
