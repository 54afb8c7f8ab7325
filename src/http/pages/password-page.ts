import type { Context } from 'koa';
import { type MessageCode, messageText } from '../../errors/messages.ts';
import { text } from '../../i18n/text.ts';
import type { PolicyRule } from '../../services/password-policy/policy.ts';
import type { PasswordChangeResult } from '../../services/passwords.ts';
import type { Renderer } from '../render.ts';

/** What went wrong with a password change, as the page shows it. */
export interface PasswordProblem {
  status?: number;
  error?: MessageCode;
  reason?: string;
  unmet?: PolicyRule[];
}

/** The page's answer to a change that did not go through (undefined when it did). */
export function problemOf(result: PasswordChangeResult): PasswordProblem | undefined {
  switch (result.status) {
    case 'ok':
      return undefined;
    case 'mismatch':
      return { status: 400, error: 'password_mismatch' };
    case 'policy':
      return { status: 400, error: 'password_rules_unmet', unmet: result.failures };
    case 'invalid_old_password':
      return { status: 400, error: 'invalid_old_password' };
    case 'refused':
      return { status: 400, reason: result.reason };
    case 'unsupported':
      return { status: 400, error: 'password_change_unsupported' };
    case 'unavailable':
      return { status: 503, error: 'directory_unavailable' };
  }
}

export interface PasswordPageView {
  action: string;
  cancelAction?: string;
  csrfToken: string;
  rules: PolicyRule[];
  /** Rules the last attempt did not meet, marked beside the list. */
  unmet?: PolicyRule[];
  error?: MessageCode;
  /** The directory's own refusal, in its words. */
  reason?: string;
  domain: boolean;
  /** A reset after a second factor has no old password to give. */
  withOldPassword?: boolean;
  /** Whose password it is: the page's live check of "consecutive characters from username" reads it (the server still decides). */
  username?: string;
}

/** The Change Password page: the seed's fields, with the rules shown before typing. */
export async function renderPasswordPage(render: Renderer, ctx: Context, view: PasswordPageView): Promise<void> {
  const unmet = new Set((view.unmet ?? []).map((rule) => rule.id));
  const withOldPassword = view.withOldPassword ?? true;
  const heading = text(withOldPassword ? 'password:change' : 'password:reset');
  await render(ctx, 'password/change', {
    title: heading,
    heading,
    withOldPassword,
    action: view.action,
    cancelAction: view.cancelAction,
    csrfToken: view.csrfToken,
    username: view.username ?? '',
    // Without an old password its rule has nothing to compare against.
    rules: view.rules
      .filter((rule) => withOldPassword || rule.id !== 'oldPasswordRun')
      .map((rule) => ({ ...rule, text: rule.words, unmet: unmet.has(rule.id) })),
    error: view.error ? messageText(view.error) : view.reason,
    subtitle: text(withOldPassword ? (view.domain ? 'password:subtitleDomain' : 'password:subtitle') : 'password:subtitleNew'),
  });
}
