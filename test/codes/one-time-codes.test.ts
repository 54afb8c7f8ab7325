import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { notifierPlugins } from '../../src/compose.ts';
import { deriveKey } from '../../src/lib/secret-box.ts';
import { createMailer } from '../../src/services/mail/mailer.ts';
import { createNotifier } from '../../src/services/mfa/notifiers.ts';
import { smsSettingsSchema } from '../../src/services/mfa/settings-schema.ts';
import { type CodeBinding, createOneTimeCodes, lifetimeText } from '../../src/services/one-time-codes.ts';
import { createStore } from '../../src/store/create-store.ts';
import type { Store } from '../../src/store/port.ts';
import { captureNotifier, codeIn } from '../mfa/harness.ts';
import { TEST_SECRET } from '../support/admit-server.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

let smtp: TestSmtpServer;
let redis: RunningRedis;
const dir = mkdtempSync(join(tmpdir(), 'admit-codes-'));
beforeAll(async () => ([smtp, redis] = await Promise.all([startSmtpServer(), startRedis()])));
afterAll(async () => {
  await Promise.all([smtp?.stop(), redis?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

let flows = 0;
const newFlow = (purpose: CodeBinding['purpose'] = 'mfa'): CodeBinding => ({ purpose, flow: `flow-${++flows}-${Date.now()}` });
let numbers = 0;
const newNumber = () => `+1201555${String(1000 + (++numbers % 9000))}`;

/** The service on a real store, the console SMS notifier captured, email through the test SMTP server. */
function service(store: Store, sms: Record<string, unknown> = {}) {
  const settings = smsSettingsSchema.parse({ resendCooldownSeconds: 0, ...sms });
  const texts = captureNotifier();
  const mailer = createMailer({
    settings: { from: 'admit <a@b.test>', transport: smtp.url, timeoutSeconds: 5 },
    viewsDir: new URL('../../views', import.meta.url).pathname,
    publicUrl: 'http://127.0.0.1',
    logger: pino({ level: 'silent' }),
  });
  const codes = createOneTimeCodes({
    store,
    mailer,
    settings,
    key: deriveKey(TEST_SECRET, 'one-time-codes'),
    notifier: createNotifier(settings, { fetch: globalThis.fetch, log: texts.log }, notifierPlugins),
  });
  /** Texts a code for the flow and answers it. */
  async function textCode(binding: CodeBinding, to = newNumber(), ip = '192.0.2.1'): Promise<{ code: string; to: string }> {
    assert.deepEqual(await codes.send(binding, { channel: 'sms', to, accountId: 'acct-1', ip, siteName: 'Demo' }), { status: 'sent' });
    return { code: codeIn(texts.last(to)), to };
  }
  return { codes, texts, textCode };
}

const other = (code: string) => (code === '000000' ? '111111' : '000000');

function suite(backend: string, open: () => Promise<Store>) {
  describe(`one-time codes on ${backend}`, () => {
    let store: Store;
    beforeAll(async () => (store = await open()));
    afterAll(() => store?.close());

    it('is single use under a 25-way race of the right code: exactly one entry wins', async () => {
      const { codes, textCode } = service(store, { maxAttempts: 10 });
      const binding = newFlow();
      const { code, to } = await textCode(binding);
      const results = await Promise.all(Array.from({ length: 25 }, () => codes.check(binding, { code, to })));
      assert.equal(results.filter((result) => result.status === 'ok').length, 1, JSON.stringify(results));
      assert.equal(results.filter((result) => result.status === 'ok' || result.status === 'expired' || result.status === 'too_many_attempts').length, 25);
      assert.deepEqual(await codes.check(binding, { code, to }), { status: 'expired' }, 'used: later entries never pass');
    });

    it('burns the code at the fifth wrong entry: the right code is refused afterwards, and nothing of it is left in the store', async () => {
      const { codes, textCode } = service(store);
      const binding = newFlow();
      const { code, to } = await textCode(binding);
      const lefts = [];
      for (let i = 0; i < 5; i += 1) {
        const result = await codes.check(binding, { code: other(code), to });
        assert.equal(result.status, 'invalid');
        if (result.status === 'invalid') lefts.push(result.attemptsLeft);
      }
      assert.deepEqual(lefts, [4, 3, 2, 1, 0]);
      assert.equal(await codes.pending(binding), undefined, 'burnt');
      assert.deepEqual(await codes.check(binding, { code, to }), { status: 'too_many_attempts' });
    });

    it('counts 25 parallel wrong guesses before comparing: at most five are compared, the code is burnt', async () => {
      const { codes, textCode } = service(store);
      const binding = newFlow();
      const { code, to } = await textCode(binding);
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          codes.check(binding, { code: String(i).padStart(6, '0') === code ? other(code) : String(i).padStart(6, '0'), to }),
        ),
      );
      assert.equal(results.filter((result) => result.status === 'invalid').length, 5);
      assert.equal(results.filter((result) => result.status === 'too_many_attempts').length, 20);
      assert.deepEqual(await codes.check(binding, { code, to }), { status: 'too_many_attempts' });
    });

    it('binds a code to its purpose, its flow and its target', async () => {
      const { codes, textCode } = service(store);
      const registration = newFlow('registration');
      const { code, to } = await textCode(registration);
      assert.deepEqual(
        await codes.check({ purpose: 'contact', flow: registration.flow }, { code }),
        { status: 'expired' },
        'a registration code does not finish a contact change',
      );
      assert.deepEqual(
        await codes.check({ purpose: 'registration', flow: `${registration.flow}x` }, { code }),
        { status: 'expired' },
        'nor another registration',
      );
      assert.equal((await codes.check(registration, { code, to: newNumber() })).status, 'invalid', 'nor prove another number');
      assert.deepEqual(await codes.check(registration, { code, to }), { status: 'ok', to, channel: 'sms' });
    });

    it('stores only a keyed hash; sending again replaces the code, and a stale entry never removes the new one', async () => {
      const { codes, textCode } = service(store);
      const binding = newFlow('contact');
      const first = await textCode(binding);
      const raw = await store.get(`one-time-code:{${binding.purpose}:${binding.flow}}`);
      assert.ok(raw && !raw.includes(first.code), 'not in the clear');
      const second = await textCode(binding, first.to);
      if (first.code !== second.code) assert.equal((await codes.check(binding, { code: first.code })).status, 'invalid', 'the first code is replaced');
      assert.equal((await codes.check(binding, { code: second.code })).status, 'ok');
    });

    it('lets a code expire with its lifetime', async () => {
      const settings = smsSettingsSchema.parse({ resendCooldownSeconds: 0 });
      const texts = captureNotifier();
      // 1 second, below the schema's minimum, to see it lapse.
      const codes = createOneTimeCodes({
        store,
        mailer: undefined as never,
        settings: { ...settings, codeTtlSeconds: 1 },
        key: 'k',
        notifier: createNotifier(settings, { fetch: globalThis.fetch, log: texts.log }, notifierPlugins),
      });
      const binding = newFlow();
      const to = newNumber();
      assert.equal((await codes.send(binding, { channel: 'sms', to, ip: '192.0.2.9', siteName: 'Demo' })).status, 'sent');
      const code = codeIn(texts.last(to));
      await new Promise((resolve) => setTimeout(resolve, 1600));
      assert.deepEqual(await codes.check(binding, { code, to }), { status: 'expired' });
    });

    it('limits sends per target, per account and per IP, refused sends counting too, and holds a cooldown per flow', async () => {
      const { codes } = service(store, { perNumberPerHour: 2, perAccountPerHour: 3, perIpPerHour: 4 });
      const send = (to: string, accountId: string, ip: string) => codes.send(newFlow(), { channel: 'sms', to, accountId, ip, siteName: 'Demo' });
      const target = newNumber();
      const tag = `${Date.now()}`;
      assert.deepEqual(
        await Promise.all([1, 2, 3].map((i) => send(target, `a${i}-${tag}`, `198.51.100.${i}`))).then((all) => all.map((o) => o.status).sort()),
        ['rate_limited', 'sent', 'sent'],
      );
      const account = `acct-${tag}`;
      const perAccount = [];
      for (let i = 0; i < 4; i += 1) perAccount.push(await send(newNumber(), account, `203.0.113.${i}`));
      assert.deepEqual(perAccount.at(-1), { status: 'rate_limited', scope: 'account' });
      const ip = `192.0.2.${100 + (flows % 100)}`;
      const perIp = [];
      for (let i = 0; i < 5; i += 1) perIp.push(await send(newNumber(), `b${i}-${tag}`, ip));
      assert.deepEqual(
        perIp.map((o) => o.status),
        ['sent', 'sent', 'sent', 'sent', 'rate_limited'],
      );
      assert.deepEqual(perIp.at(-1), { status: 'rate_limited', scope: 'ip' });

      const cooling = service(store, { resendCooldownSeconds: 30 }).codes;
      const binding = newFlow();
      const request = { channel: 'sms' as const, to: newNumber(), ip: '192.0.2.77', siteName: 'Demo' };
      assert.equal((await cooling.send(binding, request)).status, 'sent');
      assert.deepEqual(await cooling.send(binding, request), { status: 'cooldown' });
    });

    it('counts an email address as one target whatever its case', async () => {
      const { codes } = service(store, { perNumberPerHour: 1 });
      const tag = Date.now();
      assert.equal(
        (await codes.send(newFlow('contact'), { channel: 'email', to: `Case${tag}@Example.test`, accountId: 'a', ip: '192.0.2.50', siteName: 'Demo' })).status,
        'sent',
      );
      assert.deepEqual(
        await codes.send(newFlow('contact'), { channel: 'email', to: `case${tag}@example.TEST`, accountId: 'b', ip: '192.0.2.51', siteName: 'Demo' }),
        { status: 'rate_limited', scope: 'target' },
      );
    });
  });
}

suite('SQLite', async () => createStore(`sqlite:${join(dir, 'codes.db')}`));
suite('Redis', async () => createStore(redis.url, { keyPrefix: `codes-${Date.now()}:` }));

describe('the lifetime in every message', () => {
  let store: Store;
  beforeAll(async () => (store = await createStore(`sqlite:${join(dir, 'texts.db')}`)));
  afterAll(() => store?.close());

  it('states sms.codeTtlSeconds = 300 as "5 minutes" in the text, the call and the emails', async () => {
    const { codes, texts } = service(store, { codeTtlSeconds: 300 });
    assert.equal(codes.lifetime, '5 minutes');
    for (const channel of ['sms', 'call'] as const) {
      const to = newNumber();
      await codes.send(newFlow(), { channel, to, ip: '192.0.2.60', siteName: 'Demo' });
      assert.match(texts.last(to)!.text, /It expires in 5 minutes\./, channel);
    }
    for (const [purpose, to] of [
      ['contact', 'contact-ttl@example.test'],
      ['registration', 'registration-ttl@example.test'],
    ] as const) {
      await codes.send(newFlow(purpose), { channel: 'email', to, ip: '192.0.2.61', siteName: 'Demo', mail: { siteId: 'DEMO' } });
      const mail = await smtp.waitFor((m) => m.to.includes(to));
      assert.match(mail.text, /valid for 5 minutes/, purpose);
      assert.doesNotMatch(mail.text, /10 minutes/);
    }
  });

  it('says what the setting says, to the second', () => {
    assert.deepEqual([60, 90, 300, 600].map(lifetimeText), ['1 minute', '90 seconds', '5 minutes', '10 minutes']);
  });
});
