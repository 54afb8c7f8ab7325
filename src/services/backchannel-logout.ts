import type { Client, Provider } from 'oidc-provider';

/** The oidc-provider version whose Client#backchannelLogout this adapter was written against (lib/models/client.js). */
export const WRITTEN_FOR_OIDC_PROVIDER = '9.13.3';

interface LogoutNotifier {
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/**
 * Sends one OIDC Back-Channel Logout token to a client. The one place admit
 * uses an undeclared part of oidc-provider: Client#backchannelLogout, what
 * its end_session endpoint calls. Doing the same with declared parts only
 * would copy the logout token (signing key and algorithm per client,
 * encryption, pairwise `sub`) and lose the provider's outgoing-request SSRF
 * guard, which only its own requests carry. backchannel-logout.test.ts pins
 * the version and checks the method is there and sends a verifiable token;
 * an upgrade fails that test until this is read again.
 */
export async function sendBackchannelLogout(provider: Provider, client: Client, accountId: string, sid: string): Promise<void> {
  const notifier = client as unknown as Partial<LogoutNotifier>;
  if (typeof notifier.backchannelLogout !== 'function') {
    throw new Error(`oidc-provider's Client has no backchannelLogout (written for ${WRITTEN_FOR_OIDC_PROVIDER}): see src/services/backchannel-logout.ts`);
  }
  try {
    await notifier.backchannelLogout.call(client, accountId, sid);
  } catch (error) {
    provider.emit('backchannel.error', undefined, error, client, accountId, sid);
    throw error;
  }
  provider.emit('backchannel.success', undefined, client, accountId, sid);
}
