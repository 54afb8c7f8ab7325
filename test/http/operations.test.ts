import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';

describe('operations endpoints and headers', () => {
  let running: RunningAdmit;
  beforeAll(async () => {
    running = await startAdmit();
  });
  afterAll(() => running?.stop());

  it("answers /healthz and /readyz with the store and each site's directory", async () => {
    const health = await fetch(`${running.issuer}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${running.issuer}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', store: 'ok', directories: { DEMO: 'ok' } });
  });

  it('serves Prometheus metrics with HTTP latency, sign-in and token counters', async () => {
    await fetch(`${running.issuer}/.well-known/openid-configuration`);
    const response = await fetch(`${running.issuer}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /admit_http_request_duration_seconds_bucket\{.*route="\/\.well-known\/openid-configuration"/);
    assert.match(text, /# TYPE admit_sign_in_total counter/);
    assert.match(text, /# TYPE admit_tokens_issued_total counter/);
  });

  it('sets security headers and a request id on pages and protocol endpoints', async () => {
    for (const path of ['/healthz', '/.well-known/openid-configuration', '/interaction/unknown']) {
      const response = await fetch(`${running.issuer}${path}`, { headers: { 'x-request-id': 'trace-12345678' } });
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self'/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('x-request-id'), 'trace-12345678', path);
    }
    const forged = await fetch(`${running.issuer}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.notEqual(forged.headers.get('x-request-id'), 'bad id with spaces');
    assert.equal((await fetch(`${running.issuer}/healthz`)).headers.get('strict-transport-security'), null, 'no HSTS on plain-http dev');
  });

  it('answers an unknown page with 404 as HTML or JSON by Accept', async () => {
    const html = await fetch(`${running.issuer}/interaction/abc/nothing-here`, { headers: { accept: 'text/html' } });
    assert.equal(html.status, 404);
    assert.match(await html.text(), /Page not found/);
    const json = await fetch(`${running.issuer}/interaction/abc/nothing-here`, { headers: { accept: 'application/json' } });
    assert.equal(json.status, 404);
    assert.equal(((await json.json()) as { error: string }).error, 'not_found');
  });
});
