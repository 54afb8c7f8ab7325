import { z } from 'zod';

const password = z.string({ error: 'field_required' }).min(1, 'field_required').max(1024, 'field_too_long');

/** The Change Password form (seed step 14). */
export const passwordChangeForm = z.object({
  oldPassword: password,
  newPassword: password,
  confirmPassword: password,
});
