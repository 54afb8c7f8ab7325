import type { Context } from 'koa';
import { formatDateTime, localeOf, text } from '../i18n/index.ts';
import type { PortalDeps } from './deps.ts';
import { takeNotice } from './notice.ts';
import type { PortalUser } from './portal-auth.ts';

// A day in the page's language (Intl), or a dash for never.
const dayIn = (locale: string, iso: string | undefined) => (iso ? formatDateTime(locale, iso, { dateStyle: 'medium' }) : '—');

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
    title: text('portal:nav.devices'),
    csrfToken: deps.csrf.token(ctx),
    notice: takeNotice(ctx),
    devices: factors.map((factor) => ({
      id: factor.id,
      name: factor.name,
      phone: factor.phone,
      isDefault: factor.isDefault,
      removable: usable.some((other) => other.id !== factor.id),
      methods: methodsInWords(deps, factor.methods),
      added: dayIn(localeOf(ctx), factor.createdAt),
      lastUsed: dayIn(localeOf(ctx), factor.lastUsedAt),
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

/** A device's methods by their names in the page's language (the page lists them "Text message, Phone call"), or "None yet". */
function methodsInWords(deps: PortalDeps, ids: readonly string[]) {
  const named = ids.map((id) => {
    const method = deps.mfa.methods.get(id);
    return method ? text(`mfa:method.${id}.label`, { defaultValue: method.label }) : id;
  });
  return named.length > 0 ? named : [text('portal:devices.noMethods')];
}
