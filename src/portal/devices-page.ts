import type { Context } from 'koa';
import type { PortalDeps } from './deps.ts';
import { takeNotice } from './notice.ts';
import type { PortalUser } from './portal-auth.ts';

const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : '—');

/**
 * "My Settings & Devices" in the portal: the user's two-step verification
 * devices at a glance. Changing them ("Manage devices") is a fresh sign-in
 * that proves a factor and opens the sign-in's My Settings & Devices, where
 * devices are added, renamed and removed, the default and "When I log in"
 * chosen, and recovery codes renewed.
 */
export async function showDevices(deps: PortalDeps, ctx: Context): Promise<void> {
  const user = ctx.state.user as PortalUser;
  const who = await deps.mfa.subject(user.account.id);
  const [factors, recoveryLeft] = await Promise.all([deps.mfa.listFactors(user.account.id), deps.mfa.recoveryCodesLeft(user.account.id)]);
  // Remove is offered while another usable device would be left (the device service's rule: never the last one).
  const usable = factors.filter((factor) => factor.methods.length > 0);
  await deps.render(ctx, 'portal/devices', {
    title: 'My Settings & Devices',
    csrfToken: deps.csrf.token(ctx),
    notice: takeNotice(ctx),
    devices: factors.map((factor) => ({
      id: factor.id,
      name: factor.name,
      phone: factor.phone,
      isDefault: factor.isDefault,
      removable: usable.some((other) => other.id !== factor.id),
      methods: factor.methods.map((method) => deps.mfa.methods.get(method)?.label ?? method).join(', ') || 'None yet',
      added: day(factor.createdAt),
      lastUsed: day(factor.lastUsedAt),
    })),
    recoveryLeft,
    recoveryOffered: who?.policy.recoveryCodes ?? false,
    duo: who ? deps.mfa.duo.enabled(who) : false,
  });
}

/** "Manage devices": sign in again (password and a factor), then My Settings & Devices, then back here. */
export function manageDevices(deps: PortalDeps, ctx: Context): Promise<void> {
  const user = ctx.state.user as PortalUser;
  return deps.auth.startSignIn(ctx, '/portal/devices', { prompt: 'login', manage: 'devices', loginHint: user.account.username });
}
