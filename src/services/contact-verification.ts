import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { storeKey, type Store } from '../store/port.ts';

export type ContactChannel = 'email' | 'sms';

/** Delivers a code to an address on one channel (the mailer for email, the SMS notifier for phones). */
export type CodeSender = (address: string, code: string) => Promise<void>;

const CODE_TTL_SECONDS = 10 * 60;
const MAX_ATTEMPTS = 5;

interface Pending {
  address: string;
  codeHash: string;
  attempts: number;
}

export type VerifyOutcome = { status: 'ok'; address: string } | { status: 'wrong_code' } | { status: 'expired' } | { status: 'too_many_attempts' };

/**
 * Proving a new email address or phone number before it replaces the old
 * one: a 6-digit code, stored only as a hash, valid 10 minutes, 5 attempts,
 * and used once. One pending change per account and channel: asking again
 * replaces the previous code.
 */
export function createContactVerification({ store, senders }: { store: Store; senders: Partial<Record<ContactChannel, CodeSender>> }) {
  const key = (accountId: string, channel: ContactChannel) => storeKey('contact-verify', `${accountId}:${channel}`);
  const hash = (accountId: string, code: string) => createHash('sha256').update(`${accountId}:${code}`).digest('base64url');

  return {
    supports: (channel: ContactChannel) => senders[channel] !== undefined,

    async start(accountId: string, channel: ContactChannel, address: string): Promise<void> {
      const send = senders[channel];
      if (!send) throw new Error(`no sender for ${channel}`);
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const pending: Pending = { address, codeHash: hash(accountId, code), attempts: 0 };
      await store.set(key(accountId, channel), JSON.stringify(pending), { ttlSeconds: CODE_TTL_SECONDS });
      await send(address, code);
    },

    async pendingAddress(accountId: string, channel: ContactChannel): Promise<string | undefined> {
      const raw = await store.get(key(accountId, channel));
      return raw === undefined ? undefined : (JSON.parse(raw) as Pending).address;
    },

    async verify(accountId: string, channel: ContactChannel, code: string): Promise<VerifyOutcome> {
      const attempts = await store.increment(storeKey('contact-verify-attempts', `${accountId}:${channel}`), CODE_TTL_SECONDS);
      if (attempts > MAX_ATTEMPTS) {
        await store.delete(key(accountId, channel));
        return { status: 'too_many_attempts' };
      }
      const raw = await store.get(key(accountId, channel));
      if (raw === undefined) return { status: 'expired' };
      const pending = JSON.parse(raw) as Pending;
      const expected = Buffer.from(pending.codeHash);
      const given = Buffer.from(hash(accountId, code));
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { status: 'wrong_code' };
      // Single use: of two parallel correct submissions only the one that takes the record wins.
      if ((await store.take(key(accountId, channel))) === undefined) return { status: 'expired' };
      await store.delete(storeKey('contact-verify-attempts', `${accountId}:${channel}`));
      return { status: 'ok', address: pending.address };
    },
  };
}

export type ContactVerification = ReturnType<typeof createContactVerification>;
