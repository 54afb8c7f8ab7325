import { readFileSync } from 'node:fs';
import { ConfidentialClientApplication, type INetworkModule, LogLevel } from '@azure/msal-node';
import type { OpenIdConfiguration } from './metadata.ts';
import { authorityOf, type EntraSettings } from './settings.ts';

export type Credentials = { clientSecret: string } | { clientCertificate: { thumbprintSha256: string; privateKey: string; x5c?: string } };

/** The app's credential, read at start so a missing key file stops start-up, naming the option. */
export function loadCredentials(settings: EntraSettings): Credentials {
  if (settings.clientSecret) return { clientSecret: settings.clientSecret };
  const certificate = settings.clientCertificate!;
  const read = (path: string, option: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`directory.clientCertificate.${option}: cannot read ${path} (${(error as Error).message})`);
    }
  };
  const privateKey = read(certificate.privateKeyFile, 'privateKeyFile');
  if (!privateKey.includes('PRIVATE KEY-----')) throw new Error('directory.clientCertificate.privateKeyFile: not a PEM private key');
  return {
    clientCertificate: {
      thumbprintSha256: certificate.thumbprintSha256.toLowerCase(),
      privateKey,
      x5c: certificate.certificateFile ? read(certificate.certificateFile, 'certificateFile') : undefined,
    },
  };
}

/**
 * A confidential client for one round trip. One per trip, not one per
 * process: MSAL keeps an in-memory token cache and a throttling cache, and
 * a broker must neither hoard every user's tokens nor let one user's
 * failed request (a 5xx puts the request shape on hold) refuse the next
 * user's sign-in. Discovery is handed over (`authorityMetadata`,
 * `knownAuthorities`), so MSAL itself calls only the token endpoint,
 * through `network` (which has the timeouts).
 */
export function msalClientFor(settings: EntraSettings, credentials: Credentials, metadata: OpenIdConfiguration, network: INetworkModule) {
  return new ConfidentialClientApplication({
    auth: {
      clientId: settings.clientId,
      authority: authorityOf(settings),
      authorityMetadata: JSON.stringify(metadata),
      knownAuthorities: [new URL(settings.authorityHost).host],
      ...credentials,
    },
    system: {
      networkClient: network,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
    },
  });
}
