import { z } from 'zod';

/** "Valid for (days)": empty means the site's default. */
export const optionalDays = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.coerce.number('invitation_days_number').int('invitation_days_number').min(1, 'invitation_days_range').max(90, 'invitation_days_range').optional(),
);
