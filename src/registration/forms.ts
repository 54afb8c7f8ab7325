import { z } from 'zod';
import { usernameAllowed } from '../kit/username.ts';

export const startForm = z.object({
  site: z.string({ error: 'unknown_site' }).min(1, 'unknown_site').max(64, 'unknown_site'),
  email: z
    .email({ error: 'invalid_email' })
    .max(254, 'invalid_email')
    .transform((email) => email.toLowerCase()),
});

/** The emailed code; anything but six digits reads as no code, which the page answers as a wrong one (unchecked). */
export const codeForm = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/)
    .optional()
    .catch(undefined),
});

const text = (max: number) => z.string({ error: 'field_required' }).trim().min(1, 'field_required').max(max, 'field_too_long');
/** A user name: it must have a canonical key (kit/username.ts), or nothing is written. */
const username = text(256).refine(usernameAllowed, 'username_not_allowed');

export const detailsForm = z.object({
  name: text(100),
  organisation: text(200),
  reason: text(1000),
  username,
  password: z.string({ error: 'field_required' }).min(1, 'field_required').max(1024, 'field_too_long'),
  confirmPassword: z.string().max(1024, 'field_too_long').optional(),
});

/** A federated (Entra) site: the sign-in is the Microsoft account the person just used; no user name or password here. */
export const federatedDetailsForm = detailsForm.pick({ name: true, organisation: true, reason: true });

/** The local directory's sign-in set up when accepting an invitation. */
export const createSignInForm = z.object({
  token: z.string().max(100),
  username,
  newPassword: z.string({ error: 'field_required' }).min(1, 'field_required').max(1024, 'field_too_long'),
  confirmPassword: z.string({ error: 'field_required' }).min(1, 'field_required').max(1024, 'field_too_long'),
});

export const tokenForm = z.object({ token: z.string().max(100) });
