import { z } from 'zod';

// Each field's message is a catalogue key: a refused form says which rule it broke.
const password = z.string({ error: 'field_required' }).min(1, 'field_required').max(1024, 'field_too_long');

/** The Change Password form (seed step 14): the sign-in's step and the portal's page. */
export const passwordChangeForm = z.object({
  oldPassword: password,
  newPassword: password,
  confirmPassword: password,
});

/** Reset Password's form, after a proved second factor: there is no old password to give. */
export const passwordResetForm = z.object({ newPassword: password, confirmPassword: password });

export type PasswordChangeForm = z.infer<typeof passwordChangeForm>;
export type PasswordResetForm = z.infer<typeof passwordResetForm>;
