import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type MfaDevice, newDeviceId } from '../../src/services/mfa/devices.ts';
import type { Store } from '../../src/store/port.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { fakeCtx, mfaHarness } from '../mfa/harness.ts';

/**
 * Managing devices and proving a factor, through the MFA service on a real
 * store, for what the pages cannot be trusted to prevent (a forged form, a
 * stale tab, a device removed in another tab): unknown devices, devices
 * without any method, a stale second factor, a method or device that does
 * not go together, and the failure limit.
 */
type Harness = Awaited<ReturnType<typeof mfaHarness>>;
const ctx = fakeCtx();
const now = () => ({ verifiedAt: Date.now() });
const stale = () => ({ verifiedAt: Date.now() - 11 * 60_000 });
let numbers = 0;
const mobile = (): MfaDevice => {
  const e164 = `+1201555${String(2000 + (numbers += 1))}`;
  return {
    id: newDeviceId(),
    type: 'mobile',
    name: 'iOS',
    platform: 'iphone',
    phone: { e164, country: 'US', national: e164 },
    createdAt: new Date().toISOString(),
  };
};

let store: Store;
let h: Harness;
beforeAll(async () => {
  store = createSqliteStore({ path: ':memory:' });
  h = await mfaHarness(store, { mfa: { maxFailedVerifications: 3 } });
});
afterAll(() => store.close());

describe('device management refuses what a forged or stale form asks', () => {
  it('a device with no method (a tablet without its app) is not added', async () => {
    const who = await h.newAccount();
    const bare: MfaDevice = { id: newDeviceId(), type: 'tablet', name: 'iPad', createdAt: new Date().toISOString() };
    assert.deepEqual(await h.mfa.manage.add(ctx, who, bare, now()), { status: 'invalid' });
    assert.deepEqual(await h.mfa.devices.list(who.accountId), []);
  });

  it("changing or removing a device that is not the account's is unknown_device; with a stale factor, stale; nothing changes", async () => {
    const who = await h.newAccount();
    const phone = mobile();
    await h.mfa.manage.add(ctx, who, phone, now());
    const other = await h.newAccount();
    const foreign = mobile();
    await h.mfa.manage.add(ctx, other, foreign, now());

    assert.deepEqual(await h.mfa.manage.update(ctx, who, foreign.id, (d) => ({ ...d, name: 'Mine now' }), now()), { status: 'unknown_device' });
    assert.deepEqual(await h.mfa.manage.remove(ctx, who, foreign.id, now()), { status: 'unknown_device' });
    assert.deepEqual(await h.mfa.manage.update(ctx, who, phone.id, (d) => ({ ...d, name: 'Renamed' }), stale()), { status: 'stale' });
    assert.deepEqual(await h.mfa.manage.saveSettings(ctx, who, { defaultDeviceId: foreign.id, whenILogIn: 'ask' }, now()), { status: 'unknown_device' });
    assert.deepEqual(
      await h.mfa.manage.saveSettings(ctx, who, { defaultDeviceId: phone.id, whenILogIn: 'totp' as never }, now()),
      { status: 'invalid' },
      'the phone has no app to open automatically',
    );
    assert.equal((await h.mfa.devices.get(other.accountId, foreign.id))?.name, 'iOS');
    assert.equal((await h.mfa.devices.get(who.accountId, phone.id))?.name, 'iOS');
  });

  it('an authenticator app added to a phone later is announced by email like a new device; a rename is not', async () => {
    const who = await h.newAccount();
    const phone = mobile();
    await h.mfa.manage.add(ctx, who, phone, now());
    const secret = h.mfa.enrollment.newTotpSecret(who);
    assert.deepEqual(await h.mfa.manage.update(ctx, who, phone.id, (d) => ({ ...d, name: 'Work phone' }), now()), { status: 'ok' });
    assert.deepEqual(await h.mfa.manage.update(ctx, who, phone.id, (d) => ({ ...d, totp: { sealedSecret: secret.sealed } }), now()), { status: 'ok' });
    const updated = await h.mfa.devices.get(who.accountId, phone.id);
    assert.equal(updated?.name, 'Work phone');
    assert.ok(updated?.totp, 'the app is on the phone now');
    const options = await h.mfa.challenge.options(who.accountId);
    assert.deepEqual(
      options
        .filter((o) => o.deviceId === phone.id)
        .map((o) => o.method)
        .sort(),
      ['call', 'sms', 'totp'],
    );
  });

  it('a cancelled setup takes the device back and moves the default to another; an unknown device is ignored', async () => {
    const who = await h.newAccount();
    const first = mobile();
    const second = mobile();
    await h.mfa.manage.add(ctx, who, first, now());
    await h.mfa.manage.add(ctx, who, second, now());
    assert.equal((await h.mfa.devices.overview(who.accountId)).settings.defaultDeviceId, first.id);
    await h.mfa.manage.abandon(ctx, who, first.id);
    await h.mfa.manage.abandon(ctx, who, 'no-such-device');
    assert.deepEqual(
      (await h.mfa.devices.list(who.accountId)).map((d) => d.id),
      [second.id],
    );
    const { settings } = await h.mfa.devices.overview(who.accountId);
    assert.equal(settings.defaultDeviceId, second.id);
    assert.equal(settings.whenILogIn, 'ask');
  });
});

describe('proving a factor: a method and a device that do not go together', () => {
  it("a code is not sent by a method the device does not carry, nor to another account's device, nor by an unknown method", async () => {
    const who = await h.newAccount();
    const secret = h.mfa.enrollment.newTotpSecret(who);
    const tablet: MfaDevice = { id: newDeviceId(), type: 'tablet', name: 'iPad', totp: { sealedSecret: secret.sealed }, createdAt: new Date().toISOString() };
    await h.mfa.manage.add(ctx, who, tablet, now());
    const other = await h.newAccount();
    const foreign = mobile();
    await h.mfa.manage.add(ctx, other, foreign, now());
    const sent = h.capture.sent.length;
    for (const input of [
      { deviceId: tablet.id, channel: 'sms' },
      { deviceId: foreign.id, channel: 'sms' },
      { deviceId: tablet.id, channel: 'carrier-pigeon' },
      { deviceId: tablet.id, channel: 'totp' },
    ]) {
      assert.deepEqual(await h.mfa.challenge.sendCode(ctx, who, { bindTo: 'signin:x', ...input }), { status: 'unavailable' }, JSON.stringify(input));
    }
    assert.equal(h.capture.sent.length, sent, 'nothing was sent');
    const options = await h.mfa.challenge.options(who.accountId);
    assert.deepEqual(
      options.map((o) => [o.method, o.target]),
      [['totp', undefined]],
      'an app has no number to show',
    );
  });

  it("a check by an unknown method or against another account's device is unavailable and not counted; wrong codes are, up to the limit", async () => {
    const who = await h.newAccount();
    const phone = mobile();
    await h.mfa.manage.add(ctx, who, phone, now());
    const other = await h.newAccount();
    const foreign = mobile();
    await h.mfa.manage.add(ctx, other, foreign, now());
    const verify = (proof: Parameters<Harness['mfa']['challenge']['verify']>[3]) => h.mfa.challenge.verify(ctx, who, 'signin:y', proof);
    for (let i = 0; i < 5; i += 1) {
      assert.deepEqual(await verify({ method: 'carrier-pigeon', code: '123456' }), { status: 'unavailable' });
      assert.deepEqual(await verify({ method: 'sms', deviceId: foreign.id, code: '123456' }), { status: 'unavailable' });
    }
    // Nothing was sent for this flow: a code is wrong (counted), three of them reach the limit.
    const results = [];
    for (let i = 0; i < 4; i += 1) results.push((await verify({ method: 'sms', deviceId: phone.id, code: '123456' })).status);
    assert.notEqual(results[0], 'throttled', 'the unavailable checks were not counted');
    assert.equal(results.at(-1), 'throttled');
    assert.deepEqual(await verify({ method: 'carrier-pigeon', code: '123456' }), { status: 'throttled' }, 'throttled before anything is checked');
  });
});
