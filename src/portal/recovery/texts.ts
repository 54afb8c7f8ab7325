import { type Text, text } from '../../i18n/text.ts';
import type { RecoveryKind } from './flow.ts';

/** The words of each recovery flow (the seed's link texts as headings). */
export const recoveryTexts: Record<RecoveryKind, { heading: Text; lead: Text; done: Text }> = {
  reset: { heading: text('signin:login.reset'), lead: text('portal:recover.resetLead'), done: text('portal:recover.resetDone') },
  unlock: { heading: text('signin:login.unlock'), lead: text('portal:recover.unlockLead'), done: text('portal:recover.unlockDone') },
};
