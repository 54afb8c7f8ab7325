import { z } from 'zod';

/** "Valid for (days)": empty means the site's default. */
export const optionalDays = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.coerce
    .number('Valid for: a number of days.')
    .int('Valid for: a number of days.')
    .min(1, 'Valid for: 1 to 90 days.')
    .max(90, 'Valid for: 1 to 90 days.')
    .optional(),
);
