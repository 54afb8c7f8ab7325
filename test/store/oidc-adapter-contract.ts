import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AdapterConstructor, type AdapterPayload, errors } from 'oidc-provider';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createOidcAdapterFactory } from '../../src/store/oidc-adapter.ts';
import type { MakeStore } from './contract.ts';

const now = () => Math.floor(Date.now() / 1000);
const token = (kind: string, extra: Partial<AdapterPayload> = {}): AdapterPayload => ({
  jti: randomUUID(),
  kind,
  iat: now(),
  exp: now() + 600,
  clientId: 'client-1',
  accountId: 'account-1',
  ...extra,
});

/** Settles every call and counts the winners; the losers must be invalid_grant. */
async function raceConsume(Adapter: AdapterConstructor, id: string, callers: number) {
  const results = await Promise.allSettled(Array.from({ length: callers }, () => new Adapter('AuthorizationCode').consume(id)));
  for (const result of results) {
    if (result.status === 'rejected') assert.ok(result.reason instanceof errors.InvalidGrant, String(result.reason));
  }
  return results.filter((r) => r.status === 'fulfilled').length;
}

/** oidc-provider's adapter contract (example/my_adapter.js) on a Store backend. */
export function oidcAdapterContract(name: string, make: MakeStore): void {
  describe(`oidc-provider adapter contract: ${name}`, () => {
    let Adapter: AdapterConstructor;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const made = await make();
      Adapter = createOidcAdapterFactory(made.store);
      cleanup = made.cleanup;
    });
    afterAll(() => cleanup());

    it('upsert then find returns the payload; unknown ids are falsy', async () => {
      const codes = new Adapter('AuthorizationCode');
      const code = token('AuthorizationCode', { grantId: randomUUID(), scope: 'openid' });
      await codes.upsert(code.jti!, code, 600);
      assert.deepEqual(await codes.find(code.jti!), code);
      assert.ok(!(await codes.find(randomUUID())));
      // Models are separate namespaces.
      assert.ok(!(await new Adapter('AccessToken').find(code.jti!)));
      await codes.upsert(code.jti!, { ...code, scope: 'openid email' }, 600);
      assert.equal((await codes.find(code.jti!))?.scope, 'openid email');
    });

    it('findByUid finds a Session; findByUserCode finds a DeviceCode', async () => {
      const sessions = new Adapter('Session');
      const session = token('Session', { uid: randomUUID() });
      await sessions.upsert(session.jti!, session, 600);
      assert.deepEqual(await sessions.findByUid(session.uid!), session);
      assert.ok(!(await sessions.findByUid(randomUUID())));

      const devices = new Adapter('DeviceCode');
      const device = token('DeviceCode', { userCode: 'ABCD-EFGH', grantId: randomUUID() });
      await devices.upsert(device.jti!, device, 600);
      assert.deepEqual(await devices.findByUserCode('ABCD-EFGH'), device);
      assert.ok(!(await devices.findByUserCode('ZZZZ-ZZZZ')));

      await sessions.destroy(session.jti!);
      await devices.destroy(device.jti!);
      assert.ok(!(await sessions.findByUid(session.uid!)));
      assert.ok(!(await devices.findByUserCode('ABCD-EFGH')));
    });

    it('destroy removes the record and its consumed marker', async () => {
      const codes = new Adapter('AuthorizationCode');
      const code = token('AuthorizationCode');
      await codes.upsert(code.jti!, code, 600);
      await codes.consume(code.jti!);
      await codes.destroy(code.jti!);
      assert.ok(!(await codes.find(code.jti!)));
      await codes.upsert(code.jti!, code, 600);
      assert.equal((await codes.find(code.jti!))?.consumed, undefined);
    });

    it('revokeByGrantId removes every model of that grant, and only those', async () => {
      const grantId = randomUUID();
      const otherGrant = randomUUID();
      const saved: [string, AdapterPayload][] = [
        ['AccessToken', token('AccessToken', { grantId })],
        ['RefreshToken', token('RefreshToken', { grantId })],
        ['AuthorizationCode', token('AuthorizationCode', { grantId })],
        ['DeviceCode', token('DeviceCode', { grantId, userCode: `U-${randomUUID()}` })],
        ['AccessToken', token('AccessToken', { grantId: otherGrant })],
        ['Session', token('Session', { uid: randomUUID() })],
      ];
      for (const [model, payload] of saved) await new Adapter(model).upsert(payload.jti!, payload, 600);

      await new Adapter('RefreshToken').revokeByGrantId(grantId);

      const remaining = await Promise.all(saved.map(([model, p]) => new Adapter(model).find(p.jti!)));
      assert.deepEqual(remaining.map(Boolean), [false, false, false, false, true, true]);
      assert.ok(!(await new Adapter('DeviceCode').findByUserCode(saved[3]![1].userCode!)));
      await new Adapter('AccessToken').revokeByGrantId(randomUUID()); // unknown grant: no-op
    });

    it('consume marks the record consumed; a second consume is invalid_grant', async () => {
      const codes = new Adapter('AuthorizationCode');
      const code = token('AuthorizationCode');
      await codes.upsert(code.jti!, code, 600);
      await codes.consume(code.jti!);
      const found = await codes.find(code.jti!);
      assert.equal(typeof found?.consumed, 'number');
      assert.ok(Math.abs(Number(found?.consumed) - now()) <= 2);
      await assert.rejects(codes.consume(code.jti!), errors.InvalidGrant);
      await assert.rejects(codes.consume(randomUUID()), errors.InvalidGrant);
    });

    // DESIGN.md trap: a read-then-write consume let one code be redeemed 8 times.
    for (const callers of [8, 50]) {
      it(`${callers} parallel consume() calls on one AuthorizationCode: exactly one wins`, async () => {
        const code = token('AuthorizationCode');
        await new Adapter('AuthorizationCode').upsert(code.jti!, code, 600);
        assert.equal(await raceConsume(Adapter, code.jti!, callers), 1);
        assert.ok((await new Adapter('AuthorizationCode').find(code.jti!))?.consumed);
      });
    }

    it('a lost consume race revokes the grant, as a sequential reuse does', async () => {
      const grantId = randomUUID();
      const code = token('AuthorizationCode', { grantId });
      const access = token('AccessToken', { grantId });
      await new Adapter('AuthorizationCode').upsert(code.jti!, code, 600);
      await new Adapter('AccessToken').upsert(access.jti!, access, 3600);
      assert.equal(await raceConsume(Adapter, code.jti!, 8), 1);
      assert.ok(!(await new Adapter('AccessToken').find(access.jti!)));
      assert.ok(!(await new Adapter('AuthorizationCode').find(code.jti!)));
    });

    describe('expiry', { concurrent: true }, () => {
      it('a record upserted with expiresIn 1 is gone after it, with its indexes', async () => {
        const sessions = new Adapter('Session');
        const session = token('Session', { uid: randomUUID() });
        const client = { client_id: randomUUID(), client_secret: 's' } as AdapterPayload;
        await sessions.upsert(session.jti!, session, 1);
        await new Adapter('Client').upsert(client.client_id!, client); // no expiresIn: kept
        await sleep(1500);
        assert.ok(!(await sessions.find(session.jti!)));
        assert.ok(!(await sessions.findByUid(session.uid!)));
        assert.deepEqual(await new Adapter('Client').find(client.client_id!), client);
      });

      it('the consumed marker expires with its record', async () => {
        const codes = new Adapter('AuthorizationCode');
        const code = token('AuthorizationCode', { exp: now() + 1 });
        await codes.upsert(code.jti!, code, 1);
        await codes.consume(code.jti!);
        await sleep(1500);
        assert.ok(!(await codes.find(code.jti!)));
        await codes.upsert(code.jti!, code, 60);
        assert.equal((await codes.find(code.jti!))?.consumed, undefined);
      });
    });
  });
}
