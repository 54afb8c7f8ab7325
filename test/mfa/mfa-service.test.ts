import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { totpCode } from '../../plugins/mfa-totp/totp.ts';
import { type MfaDevice, newDeviceId } from '../../src/services/mfa/devices.ts';
import { MAX_TRUSTED_BROWSERS } from '../../src/services/mfa/trusted-browsers.ts';
import { createStore } from '../../src/store/create-store.ts';
import type { Store } from '../../src/store/port.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { codeIn, fakeCtx, mfaHarness } from './harness.ts';

type Harness = Awaited<ReturnType<typeof mfaHarness>>;
type Who = Awaited<ReturnType<Harness['newAccount']>>;
const ctx = fakeCtx();
const phone = (n: string, country = 'US') => ({ e164: n, country, national: n });

async function addMobile(h: Harness, who: Who, number = `+1201555${String(Math.floor(Math.random() * 9000) + 1000)}`) {
  const device: MfaDevice = { id: newDeviceId(), type: 'mobile', name: 'iOS', phone: phone(number), createdAt: new Date().toISOString() };
  assert.equal((await h.mfa.manage.add(ctx, who, device, { verifiedAt: Date.now() })).status, 'ok');
  return device;
}

async function addApp(h: Harness, who: Who) {
  const secret = h.mfa.enrollment.newTotpSecret(who);
  const device: MfaDevice = { id: newDeviceId(), type: 'tablet', name: 'iPad', totp: { sealedSecret: secret.sealed }, createdAt: new Date().toISOString() };
  assert.equal((await h.mfa.manage.add(ctx, who, device, { verifiedAt: Date.now() })).status, 'ok');
  return { device, secret: secret.secret };
}

function suite(backend: string, open: () => Promise<Store>) {
  describe(`MFA service on ${backend}`, () => {
    let store: Store;
    beforeAll(async () => (store = await open()));
    afterAll(async () => store?.close());

    it('accepts a TOTP code once: a replay, an older code and a parallel replay are refused', async () => {
      const h = await mfaHarness(store);
      const who = await h.newAccount();
      const { device, secret } = await addApp(h, who);
      const verify = (code: string) => h.mfa.challenge.verify(ctx, who, 'signin:t1', { method: 'totp', deviceId: device.id, code });
      const now = Date.now();
      assert.deepEqual(await verify(totpCode(secret, now)), { status: 'ok', amr: 'otp', deviceId: device.id });
      assert.deepEqual(await verify(totpCode(secret, now)), { status: 'replayed' }, 'the same code again');
      assert.deepEqual(await verify(totpCode(secret, now - 30_000)), { status: 'replayed' }, 'an older step after a newer one');
      assert.deepEqual(await verify('000000' === totpCode(secret, now) ? '111111' : '000000'), { status: 'invalid' });

      const next = totpCode(secret, now + 30_000);
      const results = await Promise.all(Array.from({ length: 12 }, () => verify(next)));
      assert.equal(results.filter((result) => result.status === 'ok').length, 1, `one of 12 parallel uses wins: ${JSON.stringify(results)}`);
    });

    it('keeps TOTP secrets sealed and lists factors without secrets', async () => {
      const h = await mfaHarness(store);
      const who = await h.newAccount();
      const { device, secret } = await addApp(h, who);
      const mobile = await addMobile(h, who, '+12012345678');
      const raw = await store.get(`mfa-device:{${who.accountId}}:${device.id}`);
      assert.ok(raw && !raw.includes(secret), 'the secret is not stored in the clear');
      const listed = JSON.stringify(await h.mfa.listFactors(who.accountId));
      assert.ok(!listed.includes(secret) && !listed.includes('sealed') && !listed.includes('2345678'), listed);
      assert.match(listed, /•••-5678/);
      assert.deepEqual(
        (await h.mfa.listFactors(who.accountId)).map((factor) => [factor.id, factor.isDefault]),
        [
          [device.id, true],
          [mobile.id, false],
        ],
      );
    });

    it('sends a text code that works once, only for its flow and number', async () => {
      const h = await mfaHarness(store);
      const who = await h.newAccount();
      const device = await addMobile(h, who);
      assert.deepEqual(await h.mfa.challenge.sendCode(ctx, who, { bindTo: 'signin:a', deviceId: device.id, channel: 'sms' }), { status: 'sent' });
      const message = h.capture.last(device.phone!.e164);
      assert.equal(message?.channel, 'sms');
      assert.match(message!.text, /^Your Customer & Partner Center verification code is \d{6}\. It expires in 10 minutes/);
      const code = codeIn(message);
      const verify = (bindTo: string, value = code) => h.mfa.challenge.verify(ctx, who, bindTo, { method: 'sms', deviceId: device.id, code: value });
      assert.deepEqual(await verify('signin:other'), { status: 'expired' }, 'another flow');
      assert.deepEqual(await verify('signin:a', code === '123456' ? '654321' : '123456'), { status: 'invalid' });
      assert.deepEqual(await verify('signin:a'), { status: 'ok', amr: 'sms', deviceId: device.id });
      assert.deepEqual(await verify('signin:a'), { status: 'expired' }, 'used once');
    });

    it('reads a code out in a call (amr tel) and takes one of parallel correct entries', async () => {
      const h = await mfaHarness(store);
      const who = await h.newAccount();
      const device = await addMobile(h, who);
      await h.mfa.challenge.sendCode(ctx, who, { bindTo: 'signin:c', deviceId: device.id, channel: 'call' });
      const message = h.capture.last(device.phone!.e164);
      assert.equal(message?.channel, 'voice');
      assert.match(message!.text, /code is (\d, ){5}\d\. Once again/);
      const code = codeIn(message);
      // Four parallel entries (within the five attempts a code allows): exactly one wins.
      const results = await Promise.all(
        Array.from({ length: 4 }, () => h.mfa.challenge.verify(ctx, who, 'signin:c', { method: 'call', deviceId: device.id, code })),
      );
      assert.deepEqual(
        results.filter((result) => result.status === 'ok'),
        [{ status: 'ok', amr: 'tel', deviceId: device.id }],
      );
    });

    it('lets a code expire', async () => {
      const h = await mfaHarness(store, { unchecked: { codeTtlSeconds: 1 } });
      const who = await h.newAccount();
      const device = await addMobile(h, who);
      await h.mfa.challenge.sendCode(ctx, who, { bindTo: 'signin:e', deviceId: device.id, channel: 'sms' });
      const code = codeIn(h.capture.last());
      await sleep(2100);
      assert.deepEqual(await h.mfa.challenge.verify(ctx, who, 'signin:e', { method: 'sms', deviceId: device.id, code }), { status: 'expired' });
    });

    it('burns a code after five wrong entries, and stops all checks after ten failures of the account', async () => {
      const h = await mfaHarness(store, { mfa: { maxFailedVerifications: 7 } });
      const who = await h.newAccount();
      const device = await addMobile(h, who);
      await h.mfa.challenge.sendCode(ctx, who, { bindTo: 'signin:b', deviceId: device.id, channel: 'sms' });
      const code = codeIn(h.capture.last());
      const wrong = code === '000000' ? '999999' : '000000';
      const verify = (value: string) => h.mfa.challenge.verify(ctx, who, 'signin:b', { method: 'sms', deviceId: device.id, code: value });
      for (let i = 0; i < 4; i += 1) assert.equal((await verify(wrong)).status, 'invalid');
      assert.equal((await verify(wrong)).status, 'too_many_attempts', 'the fifth wrong entry burns the code');
      assert.equal((await verify(code)).status, 'too_many_attempts', 'the right code no longer works');

      await h.mfa.challenge.sendCode(ctx, who, { bindTo: 'signin:b2', deviceId: device.id, channel: 'sms' });
      const fresh = codeIn(h.capture.last());
      assert.equal(
        (await h.mfa.challenge.verify(ctx, who, 'signin:b2', { method: 'sms', deviceId: device.id, code: fresh === '000000' ? '999999' : '000000' })).status,
        'invalid',
      );
      assert.equal(
        (await h.mfa.challenge.verify(ctx, who, 'signin:b2', { method: 'sms', deviceId: device.id, code: fresh })).status,
        'throttled',
        'seven failures of the account: checks are refused',
      );
    });

    it('limits sending per number, account and IP, with a cooldown and a country allow-list', async () => {
      const h = await mfaHarness(store, { sms: { perNumberPerHour: 3, perAccountPerHour: 8 } });
      const who = await h.newAccount();
      const first = await addMobile(h, who);
      const send = (deviceId: string, bindTo: string, ip: string) => h.mfa.challenge.sendCode(fakeCtx(ip), who, { bindTo, deviceId, channel: 'sms' });
      const parallel = await Promise.all(Array.from({ length: 6 }, (_, i) => send(first.id, `signin:n${i}`, '198.51.100.1')));
      assert.equal(parallel.filter((outcome) => outcome.status === 'sent').length, 3, 'per number, also in parallel');
      assert.deepEqual(
        parallel.find((outcome) => outcome.status !== 'sent'),
        { status: 'rate_limited', scope: 'number' },
      );

      // Refused sends count too: six so far for the account, eight allowed.
      const second = await addMobile(h, who);
      const outcomes = [];
      for (let i = 0; i < 3; i += 1) outcomes.push(await send(second.id, `signin:m${i}`, `198.51.100.${10 + i}`));
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ['sent', 'sent', 'rate_limited'],
      );
      assert.deepEqual(outcomes[2], { status: 'rate_limited', scope: 'account' });

      const cooled = await mfaHarness(store, { sms: { resendCooldownSeconds: 30 } });
      const someone = await cooled.newAccount();
      const phoneDevice = await addMobile(cooled, someone);
      assert.equal((await cooled.mfa.challenge.sendCode(ctx, someone, { bindTo: 'signin:cool', deviceId: phoneDevice.id, channel: 'sms' })).status, 'sent');
      assert.equal(
        (await cooled.mfa.challenge.sendCode(ctx, someone, { bindTo: 'signin:cool', deviceId: phoneDevice.id, channel: 'call' })).status,
        'cooldown',
      );

      const abroad: MfaDevice = { id: newDeviceId(), type: 'mobile', name: 'x', phone: phone('+882123456789', 'XX'), createdAt: new Date().toISOString() };
      await h.mfa.manage.add(ctx, someone, abroad, { verifiedAt: Date.now() });
      const before = h.capture.sent.length;
      assert.equal((await h.mfa.challenge.sendCode(ctx, someone, { bindTo: 'signin:x', deviceId: abroad.id, channel: 'sms' })).status, 'country_not_allowed');
      assert.equal(h.capture.sent.length, before, 'nothing was sent');
      assert.equal(h.mfa.phoneNumbers.parse('US', '+7 912 345 67 89').status, 'country_not_allowed');
    });

    it('limits sends per IP across accounts', async () => {
      const h = await mfaHarness(store, { sms: { perIpPerHour: 2 } });
      const results = [];
      for (let i = 0; i < 3; i += 1) {
        const who = await h.newAccount();
        const device = await addMobile(h, who);
        results.push(await h.mfa.challenge.sendCode(fakeCtx('203.0.113.77'), who, { bindTo: `signin:ip${i}`, deviceId: device.id, channel: 'sms' }));
      }
      assert.deepEqual(
        results.map((result) => result.status),
        ['sent', 'sent', 'rate_limited'],
      );
      assert.deepEqual(results[2], { status: 'rate_limited', scope: 'ip' });
    });

    it('recovery codes are hashed, work once, forgive formatting, and a new set voids the old', async () => {
      const h = await mfaHarness(store);
      const who = await h.newAccount();
      await addMobile(h, who);
      const made = await h.mfa.manage.regenerateRecoveryCodes(ctx, who, { verifiedAt: Date.now() });
      assert.equal(made.status, 'ok');
      const codes = made.status === 'ok' ? made.value : [];
      assert.equal(codes.length, 10);
      const members = await store.setMembers(`mfa-recovery:{${who.accountId}}`);
      assert.ok(
        members.every((member) => !codes.some((code) => member.includes(code.replace('-', '')))),
        'only hashes are stored',
      );
      const use = (code: string) => h.mfa.challenge.verify(ctx, who, 'signin:r', { method: 'recovery', code });
      assert.deepEqual(await use(codes[0]!.toUpperCase().replace('-', ' ')), { status: 'ok', amr: 'otp' });
      assert.deepEqual(await use(codes[0]!), { status: 'invalid' }, 'used once');
      assert.equal(await h.mfa.recoveryCodesLeft(who.accountId), 9);
      await h.mfa.manage.regenerateRecoveryCodes(ctx, who, { verifiedAt: Date.now() });
      assert.deepEqual(await use(codes[1]!), { status: 'invalid' }, 'the old set is void');
      assert.equal((await h.mfa.manage.regenerateRecoveryCodes(ctx, who, {})).status, 'stale', 'a new set needs a fresh second factor');
    });

    it('trusts a browser for its account only, and revokes it', async () => {
      const h = await mfaHarness(store);
      const [alice, bob] = [await h.newAccount(), await h.newAccount()];
      const { token } = await h.mfa.trustedBrowsers.trust(alice.accountId, { days: 180, label: 'Chrome on Linux' });
      assert.equal(await h.mfa.trustedBrowsers.isTrusted(alice.accountId, [token]), true);
      assert.equal(await h.mfa.trustedBrowsers.isTrusted(bob.accountId, [token]), false, "user A's token does not count for user B");
      assert.equal(await h.mfa.trustedBrowsers.isTrusted(alice.accountId, ['x'.repeat(43)]), false);
      const [listed] = await h.mfa.trustedBrowsers.list(alice.accountId);
      assert.equal(listed?.label, 'Chrome on Linux');
      assert.ok(!JSON.stringify(await store.get(`mfa-trust:{${alice.accountId}}:${listed!.id}`)).includes(token), 'stored hashed');
      assert.equal(await h.mfa.revokeTrustedBrowsers(alice.accountId), 1);
      assert.equal(await h.mfa.trustedBrowsers.isTrusted(alice.accountId, [token]), false);
    });

    it('keeps at most 20 trusted browsers per account: trusting another drops the oldest, and expired ones leave the index', async () => {
      const h = await mfaHarness(store);
      const who = await h.newAccount();
      const first = await h.mfa.trustedBrowsers.trust(who.accountId, { days: 30, label: 'first' });
      await sleep(5);
      const later = [];
      for (let n = 0; n < MAX_TRUSTED_BROWSERS; n++) later.push(await h.mfa.trustedBrowsers.trust(who.accountId, { days: 30, label: `later ${n}` }));
      assert.equal(await h.mfa.trustedBrowsers.isTrusted(who.accountId, [first.token]), false, 'the oldest went');
      for (const { token } of later) assert.equal(await h.mfa.trustedBrowsers.isTrusted(who.accountId, [token]), true);
      const index = `mfa-trusted:{${who.accountId}}`;
      assert.equal((await store.setMembers(index)).length, MAX_TRUSTED_BROWSERS);
      // A record that expired (its TTL) leaves its id in the index until the next trust prunes it.
      await store.delete(`mfa-trust:{${who.accountId}}:${later[0]!.record.id}`);
      await h.mfa.trustedBrowsers.trust(who.accountId, { days: 30, label: 'one more' });
      assert.equal((await store.setMembers(index)).length, MAX_TRUSTED_BROWSERS);
      assert.equal((await h.mfa.trustedBrowsers.list(who.accountId)).length, MAX_TRUSTED_BROWSERS);
    });

    it('asks for a fresh factor to add or remove a device, and never removes the last one', async () => {
      const h = await mfaHarness(store);
      const who = await h.newAccount();
      const first = await addMobile(h, who);
      const extra: MfaDevice = { id: newDeviceId(), type: 'landline', name: 'Landline', phone: phone('+12015550188'), createdAt: new Date().toISOString() };
      assert.equal((await h.mfa.manage.add(ctx, who, extra, {})).status, 'stale');
      assert.equal((await h.mfa.manage.add(ctx, who, extra, { verifiedAt: Date.now() - 11 * 60_000 })).status, 'stale', 'older than ten minutes');
      assert.equal((await h.mfa.manage.remove(ctx, who, first.id, { verifiedAt: Date.now() })).status, 'last_device');
      assert.equal((await h.mfa.manage.add(ctx, who, extra, { verifiedAt: Date.now() })).status, 'ok');
      assert.equal((await h.mfa.manage.remove(ctx, who, first.id, {})).status, 'stale');
      assert.equal((await h.mfa.manage.remove(ctx, who, first.id, { verifiedAt: Date.now() })).status, 'ok');
      assert.equal((await h.mfa.settings(who.accountId)).defaultDeviceId, extra.id, 'the default moves to a remaining device');
      assert.equal(
        (await h.mfa.manage.saveSettings(ctx, who, { defaultDeviceId: extra.id, whenILogIn: 'sms' }, { verifiedAt: Date.now() })).status,
        'invalid',
        'a landline takes no texts',
      );
      assert.equal(
        (await h.mfa.manage.saveSettings(ctx, who, { defaultDeviceId: first.id, whenILogIn: 'ask' }, { verifiedAt: Date.now() })).status,
        'unknown_device',
      );
    });

    it('resets MFA: devices, recovery codes and trusted browsers go', async () => {
      const h = await mfaHarness(store);
      const who = await h.newAccount();
      await addMobile(h, who);
      await h.mfa.manage.regenerateRecoveryCodes(ctx, who, { verifiedAt: Date.now() });
      const { token } = await h.mfa.trustedBrowsers.trust(who.accountId, { days: 30, label: 'x' });
      assert.equal(await h.mfa.hasUsableFactor(who.accountId), true);
      await h.mfa.resetMfa(ctx, who.accountId);
      assert.equal(await h.mfa.hasUsableFactor(who.accountId), false);
      assert.deepEqual(await h.mfa.listFactors(who.accountId), []);
      assert.equal(await h.mfa.recoveryCodesLeft(who.accountId), 0);
      assert.equal(await h.mfa.trustedBrowsers.isTrusted(who.accountId, [token]), false);
      assert.ok((await h.mfa.settings(who.accountId)).resetAt! > Date.now() - 5000);
    });
  });
}

let dir: string;
let redis: RunningRedis;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'admit-mfa-'));
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});
suite('SQLite', () => createStore(`sqlite:${join(dir, 'mfa.db')}`));
suite('Redis', () => createStore(redis.url, { keyPrefix: 'mfa-test:', commandTimeoutMs: 2000, connectTimeoutMs: 2000 }));
