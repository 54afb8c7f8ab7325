import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLdapConnector } from '../../plugins/connector-ldap/ldap-connector.ts';
import type { PasswordConnector } from '../../src/kit/index.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';

/**
 * The connector over TLS against a real slapd with a certificate from a
 * throwaway CA: ldaps:// and StartTLS with `tlsCaFile`, and the refusals
 * when the certificate cannot be trusted (no password is sent then).
 */
describe('LDAP over TLS against OpenLDAP', () => {
  let slapd: RunningSlapd;
  const made: PasswordConnector[] = [];
  const connector = (overrides: Record<string, unknown>) => {
    const ldap = createLdapConnector(directoryFor(slapd, overrides));
    made.push(ldap);
    return ldap;
  };

  beforeAll(async () => {
    slapd = await startSlapd({ tls: true });
  });
  afterAll(async () => {
    await Promise.all(made.map((ldap) => ldap.close?.()));
    await slapd?.stop();
  });

  it('signs in over ldaps:// with the private CA', async () => {
    const ldap = connector({ urls: [slapd.ldapsUrl], tlsCaFile: slapd.caFile });
    const outcome = await ldap.verifyPassword({ username: 'alice', password: seedPassword('alice') });
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome));
    assert.deepEqual(await ldap.verifyPassword({ username: 'alice', password: 'wrong' }), { status: 'invalid' });
  });

  it('signs in over StartTLS on ldap:// with the private CA', async () => {
    const ldap = connector({ urls: [slapd.url], startTls: true, tlsCaFile: slapd.caFile });
    assert.equal((await ldap.verifyPassword({ username: 'bob', password: seedPassword('bob') })).status, 'ok');
  });

  it('refuses a certificate it cannot trust: the directory is unavailable, never a password sent to an unverified server', async () => {
    for (const overrides of [{ urls: [slapd.ldapsUrl] }, { urls: [slapd.url], startTls: true }]) {
      const ldap = connector(overrides);
      const outcome = await ldap.verifyPassword({ username: 'alice', password: seedPassword('alice') });
      assert.equal(outcome.status, 'unavailable', JSON.stringify(overrides));
      assert.match(JSON.stringify(outcome), /self-signed certificate/);
    }
  });

  it('refuses a certificate issued for another name (the url names localhost, the certificate 127.0.0.1)', async () => {
    const ldap = connector({ urls: [slapd.ldapsUrl!.replace('127.0.0.1', 'localhost')], tlsCaFile: slapd.caFile });
    const outcome = await ldap.verifyPassword({ username: 'alice', password: seedPassword('alice') });
    assert.equal(outcome.status, 'unavailable');
    assert.match(JSON.stringify(outcome), /does not match certificate/);
  });
});
