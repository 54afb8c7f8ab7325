import type { Context } from 'koa';
import { AppError } from '../errors/app-error.ts';
import { messageText } from '../errors/messages.ts';
import { translatorOf } from '../i18n/middleware.ts';
import { type Text, text } from '../i18n/text.ts';
import { SECOND_FACTOR_AMR } from '../kit/mfa-method.ts';
import { deviceLabel } from '../services/mfa/device-names.ts';
import type { PortalDeps } from './deps.ts';
import { setNotice } from './notice.ts';
import type { PortalUser } from './portal-auth.ts';

const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The signed-in user's device with this id, and whether another usable device would be left (the service's rule). */
async function deviceOf(deps: PortalDeps, user: PortalUser, id: string) {
  if (!DEVICE_ID.test(id)) throw new AppError('not_found', 404);
  const [device, all] = await Promise.all([deps.mfa.devices.get(user.account.id, id), deps.mfa.devices.list(user.account.id)]);
  if (!device) throw new AppError('not_found', 404);
  return { device, label: deviceLabel(device), othersLeft: all.some((other) => other.id !== id && deps.mfa.methods.usable(other)) };
}

/**
 * This session's second factor, as the device service's freshness proof:
 * the sign-in time when the session proved one (a trusted browser's `mfa`
 * alone is no proof). Older than the site's `freshFactorSeconds`, the
 * service refuses and the page says to use "Manage devices".
 */
const proofOf = (user: PortalUser) => ({ verifiedAt: user.amr.some((value) => SECOND_FACTOR_AMR.has(value)) ? user.authTime * 1000 : undefined });

/** GET /portal/devices/:id/remove: "Remove <device>?" with Remove and Cancel; a page, so it works without JavaScript. */
export async function showRemoveDevice(deps: PortalDeps, ctx: Context, id: string, problem?: { status: number; error: string | Text }): Promise<void> {
  const user = ctx.state.user as PortalUser;
  const { label, othersLeft } = await deviceOf(deps, user, id);
  if (problem) ctx.status = problem.status;
  await deps.render(ctx, 'portal/remove-device', {
    title: text('portal:remove.title', { device: label }),
    id,
    label,
    csrfToken: deps.csrf.token(ctx),
    // The last device is never removed here (add another first; an admin can reset MFA).
    lastDevice: !othersLeft,
    lastDeviceMessage: messageText('mfa_last_device'),
    error: problem?.error,
  });
}

/** POST /portal/devices/:id/remove: the device service removes it (fresh factor, never the last), then My Settings & Devices says so. */
export async function removeDevice(deps: PortalDeps, ctx: Context, id: string): Promise<void> {
  const user = ctx.state.user as PortalUser;
  const { label } = await deviceOf(deps, user, id);
  const who = await deps.mfa.subject(user.account.id);
  if (!who) throw new AppError('not_found', 404);
  const removed = await deps.mfa.manage.remove(ctx, who, id, proofOf(user));
  if (removed.status === 'last_device') return showRemoveDevice(deps, ctx, id, { status: 400, error: messageText('mfa_last_device') });
  if (removed.status === 'stale')
    return showRemoveDevice(deps, ctx, id, {
      status: 403,
      error: text('portal:remove.stale'),
    });
  if (removed.status !== 'ok') throw new AppError('not_found', 404);
  // The notice travels in a cookie as words: written now, in the language of this request.
  setNotice(ctx, translatorOf(ctx)?.('portal:remove.done', { device: label }) ?? `${label} was removed.`);
  ctx.status = 303;
  ctx.redirect('/portal/devices');
}
