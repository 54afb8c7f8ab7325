import { PORTAL_CLIENT_ID } from '../../oidc/portal-client.ts';
import { ACR_MFA } from '../../oidc/provider.ts';

/**
 * Whether the relying application asked for the MFA level: `acr_values`
 * containing it, or an essential `acr` claim asking for it. Then the
 * second factor is demanded even on a trusted browser.
 */
export function asksForMfa(params: Record<string, unknown>): boolean {
  const acrValues = typeof params.acr_values === 'string' ? params.acr_values.split(' ') : [];
  if (acrValues.includes(ACR_MFA)) return true;
  if (typeof params.claims !== 'string') return false;
  try {
    const acr = (JSON.parse(params.claims) as { id_token?: { acr?: { essential?: boolean; value?: unknown; values?: unknown } } }).id_token?.acr;
    if (!acr?.essential) return false;
    return acr.value === ACR_MFA || (Array.isArray(acr.values) && acr.values.length > 0 && acr.values.every((value) => value === ACR_MFA));
  } catch {
    return false;
  }
}

/**
 * The self-service portal's "Manage devices": a fresh sign-in
 * (`prompt=login`) that, once a factor is proved, opens "My Settings &
 * Devices" before returning to the portal. Only the portal may ask.
 */
export function asksForDeviceManagement(params: Record<string, unknown>): boolean {
  return params.admit_manage === 'devices' && params.client_id === PORTAL_CLIENT_ID;
}
