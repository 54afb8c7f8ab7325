import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { composeAdmit } from '../../src/compose.ts';
import type { Config } from '../../src/config/schema.ts';
import { configSchema } from '../../src/connectors.ts';
import { hashPassword } from '../../src/kit/index.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { newDeviceId } from '../../src/services/mfa/devices.ts';
import { storeKey } from '../../src/store/port.ts';
import { inParallel } from '../load/http-flow.ts';
import type { TotpCredentials } from '../load/operations.ts';
import { SITE } from './seed.ts';

/**
 * Users of the local directory with the real argon2id hash and an
 * authenticator app enrolled, made through admit's own services (accounts,
 * MFA enrollment) as test/mfa/mfa-world.ts does, in this process, before the
 * server starts. Many are needed: a TOTP code is accepted once per 30-second
 * step and user, so a sign-in rate R needs about R × 30 users.
 *
 * All share one password and one stored hash (hashing thousands at ~30 ms
 * each would take minutes); verifying it costs exactly what any user's does.
 */
export async function seedTotpUsers(options: {
  config: Record<string, unknown>;
  storeUrl: string;
  masterSecret: string;
  count: number;
}): Promise<TotpCredentials[]> {
  const parsed = configSchema.parse({ ...options.config, secret: options.masterSecret });
  const config = {
    ...parsed,
    store: { ...parsed.store, url: options.storeUrl },
    server: { ...parsed.server, issuer: String((options.config.server as { issuer: string }).issuer) },
  } as Config;
  const admit = await composeAdmit(config, pino({ level: 'silent' }));
  try {
    const password = 'Bench-Totp-Passw0rd!';
    const passwordHash = await hashPassword(password);
    const accounts = createAccountService({ store: admit.store });
    return await inParallel(options.count, 16, async (index) => {
      const username = `totp-${index}`;
      const user = {
        id: randomUUID(),
        username,
        passwordHash,
        groups: ['staff'],
        disabled: false,
        createdAt: new Date().toISOString(),
        name: `TOTP User ${index}`,
      };
      // The local directory's record key (plugins/connector-local): `local-user:{<site>:<lower-case name>}`.
      await admit.store.set(storeKey('local-user', `${SITE}:${username}`), JSON.stringify(user));
      // The account a first sign-in would create, linked by the directory's id; then the app, as the enrollment wizard adds it.
      const account = await accounts.linkOrCreate(SITE, 'local', { externalId: user.id, username, name: user.name, groups: user.groups });
      const who = await admit.mfa.subject(account.id);
      if (!who) throw new Error(`no MFA subject for ${username}`);
      const secret = admit.mfa.enrollment.newTotpSecret(who);
      const device = {
        id: newDeviceId(),
        type: 'tablet' as const,
        name: 'Bench tablet',
        totp: { sealedSecret: secret.sealed },
        createdAt: new Date().toISOString(),
      };
      const added = await admit.mfa.manage.add(undefined, who, device, { verifiedAt: Date.now() });
      if (added.status !== 'ok') throw new Error(`enrolling ${username}'s app: ${added.status}`);
      return { username, password, site: SITE, totpSecret: secret.secret };
    });
  } finally {
    await admit.close();
  }
}
