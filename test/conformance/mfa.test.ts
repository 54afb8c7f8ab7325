import { conformancePlans } from './run-plans.ts';

// The conformance modules on a site that requires MFA: the first sign-in asks
// for the authenticator-app code (and trusts the browser), as a user would.
conformancePlans('SQLite, MFA site (TOTP)', () => ({ mfa: true }));
