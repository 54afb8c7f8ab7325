import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { WebAuthnCredentialRecord, WebAuthnRelyingParty } from '../../src/kit/index.ts';

export interface WebAuthnSettings {
  rpName: string;
  rpId: string;
  /** Origins a ceremony may come from (never taken from a request's Host header). */
  origins: string[];
  timeoutMs?: number;
}

/**
 * @simplewebauthn/server (with its ASN.1 and X.509 libraries, ~4 MiB of heap)
 * is imported at the first ceremony, not when admit starts: a site without
 * security keys never loads it. Every ceremony is async already.
 */
let library: Promise<typeof import('@simplewebauthn/server')> | undefined;
const simpleWebAuthn = () => {
  library ??= import('@simplewebauthn/server');
  return library;
};

/**
 * Security keys and passkeys through @simplewebauthn/server. As a second
 * factor the key only has to be present: user verification (PIN,
 * biometrics) is preferred but not required.
 */
export function createWebAuthnRelyingParty(settings: WebAuthnSettings): WebAuthnRelyingParty {
  const timeout = settings.timeoutMs ?? 120_000;
  return {
    async registrationOptions({ userId, userName, displayName, exclude }) {
      const options = await (await simpleWebAuthn()).generateRegistrationOptions({
        rpName: settings.rpName,
        rpID: settings.rpId,
        userName,
        userDisplayName: displayName ?? userName,
        userID: new TextEncoder().encode(userId),
        timeout,
        attestationType: 'none',
        excludeCredentials: exclude.map((credential) => ({ id: credential.id, transports: credential.transports })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
      return { options: options as unknown as Record<string, unknown>, challenge: options.challenge };
    },
    async verifyRegistration({ response, challenge }) {
      try {
        const result = await (await simpleWebAuthn()).verifyRegistrationResponse({
          response: response as RegistrationResponseJSON,
          expectedChallenge: challenge,
          expectedOrigin: settings.origins,
          expectedRPID: settings.rpId,
          requireUserVerification: false,
        });
        if (!result.verified) return undefined;
        const { credential, credentialBackedUp, credentialDeviceType } = result.registrationInfo;
        return {
          id: credential.id,
          publicKey: Buffer.from(credential.publicKey).toString('base64url'),
          counter: credential.counter,
          transports: credential.transports,
          backedUp: credentialBackedUp,
          multiDevice: credentialDeviceType === 'multiDevice',
        } satisfies WebAuthnCredentialRecord;
      } catch {
        return undefined;
      }
    },
    async authenticationOptions({ allow }) {
      const options = await (await simpleWebAuthn()).generateAuthenticationOptions({
        rpID: settings.rpId,
        timeout,
        userVerification: 'preferred',
        allowCredentials: allow.map((credential) => ({ id: credential.id, transports: credential.transports })),
      });
      return { options: options as unknown as Record<string, unknown>, challenge: options.challenge };
    },
    async verifyAuthentication({ response, challenge, credential }) {
      try {
        const result = await (await simpleWebAuthn()).verifyAuthenticationResponse({
          response: response as AuthenticationResponseJSON,
          expectedChallenge: challenge,
          expectedOrigin: settings.origins,
          expectedRPID: settings.rpId,
          requireUserVerification: false,
          credential: {
            id: credential.id,
            publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
            counter: credential.counter,
            transports: credential.transports as never,
          },
        });
        return result.verified ? { newCounter: result.authenticationInfo.newCounter, backedUp: result.authenticationInfo.credentialBackedUp } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

const LOOPBACK_IP = /^(127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * The RP id and origins for admit's public URL. Browsers refuse an IP
 * address as RP id, so a loopback issuer (development, tests) uses
 * `localhost` and its origin on the same port: open admit at
 * http://localhost:<port> to use security keys there.
 */
export function webAuthnScope(issuer: string): { rpId: string; origins: string[] } {
  const url = new URL(issuer);
  if (LOOPBACK_IP.test(url.hostname)) {
    const port = url.port ? `:${url.port}` : '';
    return { rpId: 'localhost', origins: [`${url.protocol}//localhost${port}`] };
  }
  return { rpId: url.hostname, origins: [url.origin] };
}
