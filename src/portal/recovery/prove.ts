import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { type MessageCode, messageText } from '../../errors/messages.ts';
import { guard } from '../../http/route-input.ts';
import { type Text, text } from '../../i18n/text.ts';
import type { ChallengeProof } from '../../services/mfa/challenge.ts';
import type { RecoveryDeps } from './deps.ts';
import type { RecoveryFlow, RecoveryKind } from './flow.ts';
import { recoveryTexts } from './texts.ts';

const sendForm = z.object({ channel: z.enum(['sms', 'call']) });
type SendForm = z.infer<typeof sendForm>;
type CodeSource = 'app' | 'phone' | 'recovery';
const codeForm = z.object({
  source: z.enum(['app', 'phone', 'recovery']).optional().catch(undefined),
  code: z.string({ error: 'field_required' }).trim().min(1, 'field_required').max(32, 'field_too_long'),
});
type CodeForm = z.infer<typeof codeForm>;

/**
 * Where a typed code comes from. Its shape says most: a recovery code
 * (two groups of five letters and digits) can be nothing else, and a 6-digit
 * code cannot be a recovery code. A 6-digit code is the text or call this
 * flow asked for, or else the authenticator app; the person's choice on the
 * page wins when it fits the shape. Still one factor per try: the code is
 * checked once, against that one factor.
 */
function sourceOf(flow: RecoveryFlow, form: { source?: CodeSource; code: string }, isRecoveryCode: (input: string) => boolean): CodeSource {
  const sixDigits = /^\d{6}$/.test(form.code.replace(/\s/g, ''));
  if (!sixDigits && isRecoveryCode(form.code)) return 'recovery';
  if (sixDigits && (form.source === 'app' || form.source === 'phone')) return form.source;
  return defaultSource(flow);
}

/** The page's default for "The code is from": the text or call once one was asked for, else the app. Never depends on the account. */
const defaultSource = (flow: RecoveryFlow): CodeSource => (flow.asked ? 'phone' : 'app');

/** The open flow, or "start again" when there is none. */
export async function openFlow(deps: RecoveryDeps, ctx: Context, kind: RecoveryKind): Promise<RecoveryFlow> {
  const flow = await deps.flows.current(ctx, kind);
  if (!flow) throw new AppError('recovery_expired', 400);
  return flow;
}

export async function showProve(
  deps: RecoveryDeps,
  ctx: Context,
  kind: RecoveryKind,
  view: { status?: number; error?: MessageCode; notice?: string | Text; source?: CodeSource; flow?: RecoveryFlow } = {},
) {
  const flow = view.flow ?? (await openFlow(deps, ctx, kind));
  if (view.status) ctx.status = view.status;
  await deps.render(ctx, 'portal/recover-prove', {
    title: recoveryTexts[kind].heading,
    heading: recoveryTexts[kind].heading,
    kind,
    csrfToken: deps.csrf.token(ctx),
    notice: view.notice,
    source: view.source ?? defaultSource(flow),
    // Cancel goes back where the person came from: the application's sign-in, or the portal.
    back: flow.interaction ? `/interaction/${flow.interaction}` : '/portal',
    error: view.error ? messageText(view.error) : undefined,
  });
}

/** The posted Text me / Call me, read before sendCode: another channel shows the page again with "the form could not be read" (400). */
export const sendCodeInput = (deps: RecoveryDeps, kind: RecoveryKind) =>
  guard({ body: sendForm, invalid: (ctx) => showProve(deps, ctx, kind, { status: 400, error: 'invalid_form' }) });

/** The posted code, read before verifyCode: a missing or overlong one shows the page again with why (400), not counted as a try. */
export const verifyCodeInput = (deps: RecoveryDeps, kind: RecoveryKind) =>
  guard({ body: codeForm, invalid: (ctx, refusal) => showProve(deps, ctx, kind, { status: 400, error: refusal.code }) });

/**
 * "Text me" / "Call me": sends a code to the account's phone, if it has one
 * for that channel. The page says the same either way, so it tells nobody
 * whether the account exists or which phones it has.
 */
export async function sendCode(deps: RecoveryDeps, ctx: Context, kind: RecoveryKind, { channel }: SendForm): Promise<void> {
  const flow = await openFlow(deps, ctx, kind);
  const who = flow.accountId ? await deps.mfa.subject(flow.accountId) : undefined;
  const device = who ? await provingDevice(deps, who.accountId, channel) : undefined;
  if (who && device) {
    const outcome = await deps.mfa.challenge.sendCode(ctx, who, { bindTo: bindTo(flow), deviceId: device.id, channel });
    if (outcome.status === 'rate_limited' || outcome.status === 'cooldown') return showProve(deps, ctx, kind, { status: 429, error: 'too_many_attempts' });
    if (outcome.status === 'sent') flow.sentTo = { deviceId: device.id, channel };
  }
  flow.asked = channel;
  await deps.flows.save(flow);
  await showProve(deps, ctx, kind, {
    flow,
    notice: text(channel === 'sms' ? 'portal:recover.texted' : 'portal:recover.calling'),
  });
}

/** Checks the code against the account's factors; an unknown account never passes. */
export async function verifyCode(deps: RecoveryDeps, ctx: Context, kind: RecoveryKind, form: CodeForm): Promise<void> {
  const flow = await openFlow(deps, ctx, kind);
  if (!(await deps.lockout.recoveryCode(flow.id))) {
    await deps.flows.finish(ctx, flow);
    throw new AppError('too_many_attempts', 429);
  }
  const who = flow.accountId ? await deps.mfa.subject(flow.accountId) : undefined;
  // The recovery-code plugin owns the format (through the MFA service).
  const source = sourceOf(flow, form, deps.mfa.isRecoveryCode);
  const proof = who ? await proofFor(deps, who.accountId, flow, source, form.code) : undefined;
  const result = who && proof ? await deps.mfa.challenge.verify(ctx, who, bindTo(flow), proof) : { status: 'invalid' as const };
  if (result.status !== 'ok') {
    deps.audit.record(ctx, { action: `${kind}_verify`, outcome: result.status, site: flow.siteId, username: flow.username });
    return showProve(deps, ctx, kind, {
      flow,
      source,
      status: result.status === 'throttled' ? 429 : 400,
      error: result.status === 'throttled' ? 'too_many_attempts' : 'wrong_code',
    });
  }
  await deps.flows.save({ ...flow, proved: true });
  deps.audit.record(ctx, { action: `${kind}_verify`, outcome: 'ok', site: flow.siteId, username: flow.username, accountId: flow.accountId });
  ctx.status = 303;
  ctx.redirect(`/portal/${kind}/finish`);
}

async function proofFor(deps: RecoveryDeps, accountId: string, flow: RecoveryFlow, source: CodeSource, code: string): Promise<ChallengeProof | undefined> {
  if (source === 'recovery') return { method: 'recovery', code };
  // A texted or called code is checked against the phone this flow sent it to.
  if (source === 'phone') return flow.sentTo ? { method: flow.sentTo.channel, deviceId: flow.sentTo.deviceId, code } : undefined;
  const app = await provingDevice(deps, accountId, 'totp');
  return app ? { method: 'totp', deviceId: app.id, code } : undefined;
}

/** The account's first device whose method proves identity for Reset Password / Unlock Account (its plugin says). */
async function provingDevice(deps: RecoveryDeps, accountId: string, methodId: string) {
  const method = deps.mfa.methods.get(methodId);
  if (!method?.provesIdentity) return undefined;
  return (await deps.mfa.devices.list(accountId)).find((device) => method.carriedBy(device));
}

const bindTo = (flow: RecoveryFlow) => `portal-${flow.kind}:${flow.id}`;
