import type { MfaPage } from './page.ts';
import { field } from './page.ts';

/**
 * Recovery codes, offered at the end of the enrollment and shown once: the
 * answer to "Create recovery codes" is the only place they ever appear.
 */
export const recoveryPage: MfaPage = {
  name: 'recovery',
  async show(request, problem) {
    await request.render('recovery', { title: 'Save recovery codes' }, problem);
  },
  async submit(request) {
    const next = { ...request.progress, page: 'settings' as const, recoveryOffered: true };
    if (field(request, 'action') !== 'create') return request.go(next);
    const made = await request.mfa.manage.regenerateRecoveryCodes(request.ctx, request.who, { verifiedAt: request.progress.verifiedAt, settingUp: true });
    if (made.status !== 'ok') return request.go({ ...next, page: 'choose', after: 'settings' });
    await request.save(next);
    await request.render('recovery-codes', { title: 'Your recovery codes', codes: made.value, continueUrl: request.url('settings') });
  },
};
