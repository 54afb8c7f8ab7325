import { amrOfWebAuthn, type WebAuthnCredentialRecord, type WebAuthnRelyingParty } from '../../kit/factor.ts';
import { type Store, storeKey } from '../../store/port.ts';
import type { DeviceStore, MfaDevice } from './devices.ts';

const CHALLENGE_SECONDS = 300;

/**
 * WebAuthn ceremonies around the relying-party plugin. Each challenge is
 * stored for one flow (`bindTo`) and taken on first use, so a response can
 * be checked once; signature counters are kept to spot a cloned key.
 */
export function createSecurityKeys(deps: { store: Store; devices: DeviceStore; relyingParty: WebAuthnRelyingParty }) {
  const { store, devices, relyingParty } = deps;
  const challengeKey = (purpose: 'register' | 'authenticate', bindTo: string) => storeKey('webauthn-challenge', bindTo, purpose);
  const keysOf = async (accountId: string) => (await devices.list(accountId)).flatMap((device) => (device.webauthn ? [device] : []));

  async function registrationOptions(input: { bindTo: string; accountId: string; userName: string; displayName?: string }) {
    const exclude = (await keysOf(input.accountId)).map((device) => device.webauthn as WebAuthnCredentialRecord);
    const { options, challenge } = await relyingParty.registrationOptions({
      userId: input.accountId,
      userName: input.userName,
      displayName: input.displayName,
      exclude,
    });
    await store.set(challengeKey('register', input.bindTo), challenge, { ttlSeconds: CHALLENGE_SECONDS });
    return options;
  }

  /** The verified new credential, or undefined (no pending challenge, bad response, key already registered). */
  async function verifyRegistration(input: { bindTo: string; response: unknown }): Promise<WebAuthnCredentialRecord | undefined> {
    const challenge = await store.take(challengeKey('register', input.bindTo));
    if (!challenge) return undefined;
    const credential = await relyingParty.verifyRegistration({ response: input.response, challenge });
    if (!credential || (await devices.credentialTaken(credential.id))) return undefined;
    return credential;
  }

  async function authenticationOptions(input: { bindTo: string; accountId: string }) {
    const allow = (await keysOf(input.accountId)).map((device) => device.webauthn as WebAuthnCredentialRecord);
    const { options, challenge } = await relyingParty.authenticationOptions({ allow });
    await store.set(challengeKey('authenticate', input.bindTo), challenge, { ttlSeconds: CHALLENGE_SECONDS });
    return options;
  }

  /** The device whose key signed, with its amr, or undefined. Only this account's keys count. */
  async function verifyAuthentication(input: {
    bindTo: string;
    accountId: string;
    response: unknown;
  }): Promise<{ device: MfaDevice; amr: string } | undefined> {
    const challenge = await store.take(challengeKey('authenticate', input.bindTo));
    const credentialId = (input.response as { id?: unknown } | null)?.id;
    if (!challenge || typeof credentialId !== 'string') return undefined;
    const device = (await keysOf(input.accountId)).find((candidate) => candidate.webauthn?.id === credentialId);
    if (!device?.webauthn) return undefined;
    const verified = await relyingParty.verifyAuthentication({ response: input.response, challenge, credential: device.webauthn });
    if (!verified) return undefined;
    const updated: MfaDevice = {
      ...device,
      webauthn: { ...device.webauthn, counter: verified.newCounter, backedUp: verified.backedUp },
      lastUsedAt: new Date().toISOString(),
    };
    await devices.save(input.accountId, updated);
    return { device: updated, amr: amrOfWebAuthn(updated.webauthn!) };
  }

  return { registrationOptions, verifyRegistration, authenticationOptions, verifyAuthentication };
}

export type SecurityKeys = ReturnType<typeof createSecurityKeys>;
