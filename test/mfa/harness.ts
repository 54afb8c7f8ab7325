import type { Context } from 'koa';
import pino from 'pino';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { localDirectoryPlugin } from '../../plugins/connector-local/plugin.ts';
import { mfaPlugins, notifierPlugins } from '../../src/compose.ts';
import { siteSchema } from '../../src/connectors.ts';
import { deriveKey } from '../../src/lib/secret-box.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createMailer } from '../../src/services/mail/mailer.ts';
import { createMfaService, type MfaService } from '../../src/services/mfa/mfa-service.ts';
import { createNotifier } from '../../src/services/mfa/notifiers.ts';
import { smsSettingsSchema } from '../../src/services/mfa/settings-schema.ts';
import { createOneTimeCodes } from '../../src/services/one-time-codes.ts';
import { createSiteDirectory } from '../../src/services/sites.ts';
import type { Store } from '../../src/store/port.ts';
import { TEST_SECRET } from '../support/admit-server.ts';

/** A message the console notifier wrote, as a person would read it. */
export interface SentMessage {
  to: string;
  channel: string;
  text: string;
}

/** The 6-digit code in a text or call script ("1, 2, 3, …" read out in calls). */
export function codeIn(message: SentMessage | undefined): string {
  if (!message) throw new Error('no message was sent');
  const match = /code is (\d{6})\b/.exec(message.text) ?? /code is ((?:\d, ){5}\d)/.exec(message.text);
  if (!match?.[1]) throw new Error(`no code in "${message.text}"`);
  return match[1].replace(/, /g, '');
}

/** The console notifier's log, captured: the real notifier runs, its lines land here. */
export function captureNotifier() {
  const sent: SentMessage[] = [];
  return {
    sent,
    log: (entry: Record<string, unknown>) => {
      if (typeof entry.text === 'string') sent.push({ to: String(entry.to), channel: String(entry.channel), text: entry.text });
    },
    last: (to?: string) => [...sent].reverse().find((message) => to === undefined || message.to === to),
  };
}

/** A request context as the services see it: an IP and headers. */
export const fakeCtx = (ip = '192.0.2.10') => ({ ip, state: {}, get: () => 'node-test' }) as unknown as Context;

/**
 * The MFA service on a real store, with one local-directory site and its
 * users' accounts, a console mailer and the console notifier captured.
 */
export async function mfaHarness(
  store: Store,
  options: { sms?: Record<string, unknown>; mfa?: Record<string, unknown>; unchecked?: Record<string, unknown> } = {},
) {
  const logger = pino({ level: 'silent' });
  const site = siteSchema.parse({
    id: 'DEMO',
    displayName: 'Customer & Partner Center',
    directory: { kind: 'local' },
    mfa: { required: true, ...options.mfa },
  });
  // `unchecked` bypasses the schema's bounds (a 1-second code lifetime, to see a code expire).
  const sms = { ...smsSettingsSchema.parse({ resendCooldownSeconds: 0, ...options.sms }), ...options.unchecked };
  const accounts = createAccountService({ store });
  const directory = createLocalDirectory({ store, siteId: 'DEMO' });
  const sites = createSiteDirectory([site], { local: { capabilities: localDirectoryPlugin.capabilities, create: () => directory.connector } });
  const capture = captureNotifier();
  const mailer = createMailer({
    settings: { from: 'admit <a@b.test>', transport: 'console', timeoutSeconds: 5 },
    viewsDir: new URL('../../views', import.meta.url).pathname,
    publicUrl: 'http://127.0.0.1',
    logger,
  });
  const mfa: MfaService = createMfaService({
    store,
    accounts,
    sites,
    sms,
    masterSecret: TEST_SECRET,
    ...mfaPlugins('http://127.0.0.1:3000'),
    audit: { record: () => {} },
    mailer,
    codes: createOneTimeCodes({
      store,
      mailer,
      settings: sms,
      key: deriveKey(TEST_SECRET, 'one-time-codes'),
      notifier: createNotifier(sms, { fetch: globalThis.fetch, log: capture.log }, notifierPlugins),
    }),
  });
  let users = 0;
  async function newAccount(username = `user${++users}-${Date.now()}`) {
    const account = await accounts.linkOrCreate('DEMO', 'local', { externalId: `ext-${username}`, username, email: `${username}@example.test`, groups: [] });
    const who = await mfa.subject(account.id);
    if (!who) throw new Error('no subject');
    return who;
  }
  return { mfa, capture, newAccount, sms };
}
