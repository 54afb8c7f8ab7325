import type { Context } from 'koa';
import type { MfaSubject } from '../../services/mfa/device-management.ts';
import type { MfaService } from '../../services/mfa/mfa-service.ts';
import type { MfaProgress } from './progress.ts';
import { asksForDeviceManagement } from './step-up.ts';

/**
 * Where the step starts: the enrollment ("Protect Your … Account") for a
 * user without a device; otherwise the verification page, or, when "When I
 * log in" says so, straight to a code sent to the default device. The
 * portal's "Manage devices" verifies first, then opens My Settings & Devices.
 */
export async function firstPage(who: MfaSubject, mfa: MfaService, ctx: Context, bindTo: string, params: Record<string, unknown> = {}): Promise<MfaProgress> {
  const base = { trust: true, firstEnrollment: false };
  const { devices, settings } = await mfa.devices.overview(who.accountId);
  if (!mfa.anyFactorIn(who, devices)) return { ...base, page: 'start', firstEnrollment: true };
  if (asksForDeviceManagement(params)) return { ...base, page: 'choose', after: 'settings' };
  const { defaultDeviceId, whenILogIn } = settings;
  const device = defaultDeviceId ? devices.find((candidate) => candidate.id === defaultDeviceId) : undefined;
  const automatic = whenILogIn === 'ask' ? undefined : mfa.methods.whenILogIn(device).find((method) => method.id === whenILogIn);
  if (!device || !automatic?.send) return { ...base, page: 'choose' };
  // The redirect into the step is what sends the code; the cooldown keeps a reload from sending another.
  const sent = await mfa.challenge.sendCode(ctx, who, { bindTo, deviceId: device.id, channel: automatic.id });
  return sent.status === 'sent' ? { ...base, page: 'code', challenge: { method: automatic.id, deviceId: device.id } } : { ...base, page: 'choose' };
}
