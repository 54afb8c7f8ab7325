import type { SiteDirectory } from './sites.ts';

/**
 * The sites that take access requests ("User Registration"): those whose
 * users sign in with a password, and a federated (Entra) site only for the
 * person who just signed in there and was found to have no account (`pass`:
 * the federated sign-up pass, see approvals/federated-signup-pass.ts). The
 * sign-in page and the portal ask it whether to offer the link.
 */
export const requestableSites = (deps: { sites: SiteDirectory }, pass?: { siteId: string; kind: string }) =>
  deps.sites
    .all()
    .filter(
      ({ config, capabilities, connector }) =>
        config.signUp.mode === 'approval' && (capabilities.passwords || (capabilities.federated && pass?.siteId === config.id && pass.kind === connector.kind)),
    )
    .map(({ config }) => ({ id: config.id, displayName: config.displayName }));
