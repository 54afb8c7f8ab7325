/** The Change Password rules exactly as seed 000 (step 14) lists them. */
export const SEED_RULES: readonly string[] = [
  'Minimum length should be at least "8"',
  'Number of special characters to include "1"',
  'Must contain both upper and lowercase characters',
  'Number of numerals to include "1"',
  'Must not be a palindrome',
  'Must not contain any character more than twice consecutively',
  'Must not have 5 consecutive characters from username',
  'Must not contain 5 consecutive characters from your old password',
  'Must not contain restricted patterns',
];
