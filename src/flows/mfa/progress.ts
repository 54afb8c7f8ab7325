import type { MessageCode } from '../../errors/messages.ts';
import { type Text, text } from '../../i18n/text.ts';
import type { DeviceType } from '../../kit/factor.ts';
import type { PhoneNumber, Platform } from '../../services/mfa/devices.ts';
import type { SignInState } from '../sign-in-state.ts';

/** The wizard's pages (seed steps 4–13), each at /interaction/:uid/mfa/<page>. */
export const PAGES = [
  'start',
  'device',
  'phone',
  'verify-phone',
  'phone-type',
  'app',
  'activate',
  'key',
  'recovery',
  'recovery-codes',
  'settings',
  'device-options',
  'choose',
  'code',
  'key-verify',
  'duo',
] as const;
export type PageName = (typeof PAGES)[number];

/** A registered method's id (services/mfa/method-registry.ts), or `duo` (the redirect to Duo's prompt). */
export type ChallengeMethod = string;

/** The device being added. */
export interface Enrolling {
  deviceId: string;
  type: DeviceType;
  /** Adding an app to a device that already exists (Device Options). */
  existing?: boolean;
  phone?: PhoneNumber & { confirmed?: boolean };
  /** How the last enrollment code was sent (for the page's notice). */
  sentBy?: 'sms' | 'call';
  platform?: Platform;
  /** The new authenticator app's secret, sealed. */
  totpSecret?: string;
  /** Where "Back" on the app pages leads when not to the phone type (Device Options). */
  returnTo?: 'device-options';
}

/**
 * The MFA step's progress, kept in the interaction with the rest of the
 * sign-in state (state.steps.mfa). Only the page named here accepts a post:
 * the wizard cannot be skipped by posting to a later page.
 */
export interface MfaProgress {
  page: PageName;
  /** The "Trust this browser" box, as last posted (checked by default, as the seed shows). */
  trust: boolean;
  /** This sign-in began with no usable device: the enrollment ends on the login prompt (seed step 13). */
  firstEnrollment: boolean;
  enrolling?: Enrolling;
  /** When a second factor was last proved in this sign-in (ms): managing devices needs it fresh. */
  verifiedAt?: number;
  /** A device was added in this sign-in. */
  enrolled?: boolean;
  /** The login prompt was shown after the enrollment. */
  promptShown?: boolean;
  recoveryOffered?: boolean;
  /** Where to go once a factor is proved, instead of finishing (the choose page's links). */
  after?: 'settings' | 'device';
  /** What the code page is checking. */
  challenge?: { method: ChallengeMethod; deviceId?: string /** Duo: the keyed hash of the state sent with the redirect. */; duoState?: string };
  /** The device "Device Options" is about. */
  optionsDeviceId?: string;
  /** The second factor is done: the sign-in goes on. */
  done?: boolean;
  /** A factor was proved at the login prompt (choose, code, security key, Duo), not only while enrolling. */
  promptVerified?: boolean;
  /** Devices saved in this sign-in whose setup is not finished (a phone before its app step): Cancel removes them. */
  unfinished?: string[];
  /** New recovery codes, sealed, shown by the recovery-codes page until the user says they are saved. */
  sealedCodes?: string;
  /** What the last post went wrong with (or a notice), shown once by the page it redirects to. */
  flash?: Flash;
}

/** Post/redirect/get: a post's answer is a redirect; what it had to say waits here for the GET. */
export interface Flash {
  status?: number;
  error?: MessageCode;
  notice?: string | Text;
  /** The non-secret fields as posted (a phone number, a device name), to fill the form again. */
  fields?: Record<string, string>;
}

export const MFA_STEP = 'mfa';

export function readProgress(state: SignInState): MfaProgress | undefined {
  const progress = state.steps?.[MFA_STEP] as MfaProgress | undefined;
  return progress && typeof progress.page === 'string' && (PAGES as readonly string[]).includes(progress.page) ? progress : undefined;
}

export function withProgress(state: SignInState, progress: MfaProgress, amr?: string): SignInState {
  return { ...state, amr: amr ? [...state.amr, amr] : state.amr, steps: { ...state.steps, [MFA_STEP]: progress } };
}

/** One step of the enrollment as the progress indicator names it, and the wizard pages it covers. */
export interface WizardStep {
  label: Text;
  pages: readonly PageName[];
}

const SETUP_PAGES: readonly PageName[] = ['phone', 'verify-phone', 'phone-type', 'app', 'activate', 'key'];
const PROMPT_PAGES: readonly PageName[] = ['choose', 'code', 'key-verify', 'duo'];

/**
 * The steps of the first enrollment (seed steps 4–13), in order: what the
 * progress indicator counts. Recovery codes are a step only where the site
 * offers them. Adding a device later has no start page and no login prompt.
 */
export function wizardSteps(progress: Pick<MfaProgress, 'firstEnrollment'>, options: { recoveryCodes: boolean }): WizardStep[] {
  const steps: WizardStep[] = [];
  if (progress.firstEnrollment) steps.push({ label: text('mfa:wizard.start'), pages: ['start'] });
  steps.push({ label: text('mfa:wizard.device'), pages: ['device'] }, { label: text('mfa:wizard.setUp'), pages: SETUP_PAGES });
  if (options.recoveryCodes && progress.firstEnrollment) steps.push({ label: text('mfa:wizard.recovery'), pages: ['recovery', 'recovery-codes'] });
  steps.push({ label: text('mfa:wizard.settings'), pages: ['settings', 'device-options'] });
  if (progress.firstEnrollment) steps.push({ label: text('mfa:wizard.logIn'), pages: PROMPT_PAGES });
  return steps;
}

/** Where the page stands in the enrollment ("Step 3 of 6: Set up"), or undefined where there is no enrollment to show (a sign-in's prompt). */
export interface WizardPosition {
  steps: { label: Text; state: 'done' | 'current' | 'todo' }[];
  number: number;
  total: number;
  label: Text;
}

export function wizardPosition(
  progress: Pick<MfaProgress, 'page' | 'firstEnrollment' | 'enrolled' | 'enrolling'>,
  options: { recoveryCodes: boolean },
): WizardPosition | undefined {
  const page = progress.page;
  const enrolling =
    progress.firstEnrollment || progress.enrolled === true || progress.enrolling !== undefined || page === 'device' || SETUP_PAGES.includes(page);
  // A returning user's prompt, My Settings & Devices or Device Options: no wizard to place them in.
  if (!enrolling) return undefined;
  // The login prompt is the wizard's last step only after the first device is added.
  if (PROMPT_PAGES.includes(page) && !(progress.firstEnrollment && progress.enrolled)) return undefined;
  const steps = wizardSteps(progress, options);
  const index = steps.findIndex((step) => step.pages.includes(page));
  if (index < 0) return undefined;
  return {
    steps: steps.map((step, i) => ({ label: step.label, state: i < index ? 'done' : i === index ? 'current' : 'todo' })),
    number: index + 1,
    total: steps.length,
    label: steps[index]!.label,
  };
}
