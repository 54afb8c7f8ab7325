import { z } from 'zod';
import { usernameAllowed } from '../../kit/username.ts';

/** The sign-in form as posted. Limits keep argon2 and the directories from oversized input. */
export const loginForm = z.object({
  username: z.string({ error: 'field_required' }).trim().min(1, 'field_required').max(256, 'field_too_long').refine(usernameAllowed, 'username_not_allowed'),
  password: z.string({ error: 'field_required' }).min(1, 'field_required').max(1024, 'field_too_long'),
  site: z.string({ error: 'unknown_site' }).min(1, 'unknown_site').max(64, 'unknown_site'),
});

export type LoginForm = z.infer<typeof loginForm>;
