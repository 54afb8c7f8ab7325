import { conformancePlans } from './run-plans.ts';

// The conformance modules on the default store: SQLite, password sign-in.
conformancePlans('SQLite', () => ({}));
