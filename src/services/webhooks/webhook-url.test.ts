import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { webhookUrlProblem } from './webhook-url.ts';

const development = { production: false, allowLoopback: false };
const tests = { production: false, allowLoopback: true };
const production = { production: true, allowLoopback: false };

describe('where admit may POST events', () => {
  it('takes a public http(s) URL outside production, https only in production', () => {
    assert.equal(webhookUrlProblem('https://hooks.example.com/admit?x=1', production), undefined);
    assert.equal(webhookUrlProblem('http://hooks.example.com/admit', development), undefined);
    assert.match(webhookUrlProblem('http://hooks.example.com/admit', production)!, /https:\/\//);
    assert.match(webhookUrlProblem('ftp://hooks.example.com/', development)!, /http:\/\/ or https:\/\//);
    assert.match(webhookUrlProblem('file:///etc/passwd', development)!, /http:\/\/ or https:\/\//);
    assert.match(webhookUrlProblem('hooks.example.com', development)!, /full endpoint URL/);
    assert.match(webhookUrlProblem(`https://hooks.example.com/${'a'.repeat(2000)}`, production)!, /longer than 2000/);
    assert.match(webhookUrlProblem('https://u:p@hooks.example.com/', production)!, /user name and password/);
  });

  it('refuses loopback, private, link-local and other special-use addresses written as IPs, and localhost names', () => {
    for (const url of [
      'https://127.0.0.1/',
      'https://127.1/',
      'https://0x7f000001/',
      'https://10.0.0.1/',
      'https://172.16.5.4/',
      'https://192.168.1.1/',
      'https://169.254.169.254/',
      'https://100.64.0.1/',
      'https://0.0.0.0/',
      'https://[::1]/',
      'https://[fe80::1]/',
      'https://[fd12::1]/',
      'https://[::ffff:10.0.0.1]/',
      'https://localhost/',
      'https://app.localhost/',
    ]) {
      assert.match(webhookUrlProblem(url, production) ?? '', /loopback or private address/, url);
    }
    assert.equal(webhookUrlProblem('https://8.8.8.8/', production), undefined);
    assert.equal(webhookUrlProblem('https://[2606:4700::1111]/', production), undefined);
  });

  it('lets literal loopback hosts through with server.allowLoopbackRequests, and nothing else private', () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost:8080/hook', 'http://[::1]:8080/hook'])
      assert.equal(webhookUrlProblem(url, tests), undefined, url);
    assert.match(webhookUrlProblem('http://10.0.0.1/', tests)!, /private/);
    assert.match(webhookUrlProblem('http://app.localhost/', tests)!, /private/);
  });
});
