import { deviceOptionsPage } from './device-options-page.ts';
import { duoPage } from './duo-page.ts';
import { activatePage, appPage } from './enroll-app.ts';
import { keyPage } from './enroll-key.ts';
import { phonePage, phoneTypePage, verifyPhonePage } from './enroll-phone.ts';
import { devicePage, startPage } from './enroll-start.ts';
import type { MfaPage } from './page.ts';
import { recoveryCodesPage, recoveryPage } from './recovery-page.ts';
import { settingsPage } from './settings-page.ts';
import { choosePage, codePage, keyVerifyPage } from './verify-pages.ts';

/** Every page of the MFA step, in the wizard's order (each with the form it declares, if any). */
export const MFA_PAGES: MfaPage<unknown>[] = [
  startPage,
  devicePage,
  phonePage,
  verifyPhonePage,
  phoneTypePage,
  appPage,
  activatePage,
  keyPage,
  recoveryPage,
  recoveryCodesPage,
  settingsPage,
  deviceOptionsPage,
  choosePage,
  codePage,
  keyVerifyPage,
  duoPage,
];
