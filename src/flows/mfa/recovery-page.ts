import { text } from '../../i18n/text.ts';
import type { MfaPage } from './page.ts';
import { field } from './page.ts';
import type { MfaProgress } from './progress.ts';
import type { MfaRequest } from './request.ts';

/**
 * Recovery codes, offered at the end of the enrollment. Making them is a
 * post; showing them is the next page (post/redirect/get), which shows the
 * same codes on a reload until the user says they are saved. Until then they
 * wait sealed in the interaction, and only there: they end with it.
 */
export const recoveryPage: MfaPage = {
  name: 'recovery',
  async show(request, problem) {
    await request.render('recovery', { title: text('mfa:recovery.title') }, problem);
  },
  async submit(request) {
    const next = { ...request.progress, page: 'settings' as const, recoveryOffered: true };
    if (field(request, 'action') !== 'create') return request.go(next);
    const made = await request.mfa.manage.regenerateRecoveryCodes(request.ctx, request.who, { verifiedAt: request.progress.verifiedAt, settingUp: true });
    if (made.status !== 'ok') return request.go({ ...next, page: 'choose', after: 'settings' });
    return request.go(showCodes(request, next, made.value));
  },
};

/** The progress that shows these new codes next, then returns to My Settings & Devices. */
export function showCodes(request: MfaRequest, progress: MfaProgress, codes: string[]): MfaProgress {
  return { ...progress, page: 'recovery-codes', sealedCodes: request.box.seal(JSON.stringify(codes)) };
}

/** "Your recovery codes": the codes just made, until "I have saved my recovery codes". */
export const recoveryCodesPage: MfaPage = {
  name: 'recovery-codes',
  async show(request, problem) {
    const sealed = request.progress.sealedCodes;
    if (!sealed) return request.go({ ...request.progress, page: 'settings' });
    const codes = JSON.parse(request.box.open(sealed)) as string[];
    await request.render('recovery-codes', { title: text('mfa:recoveryCodes.title'), codes }, problem);
  },
  async submit(request) {
    // The codes leave the interaction: from now on they exist only as the hashes the recovery service keeps.
    return request.go({ ...request.progress, page: 'settings', sealedCodes: undefined });
  },
};
