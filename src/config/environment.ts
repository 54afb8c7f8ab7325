import { ConfigError } from './errors.ts';

/**
 * Which kind of run this is, from NODE_ENV: `production` (the container, a
 * deployment: the production checks apply and views are cached), `test` (the
 * suite) or `development` (anything else: `npm start`, the quick start).
 * Read here, in src/config/, and passed down as `config.environment`.
 */
export type Environment = 'production' | 'development' | 'test';

export function environmentFrom(nodeEnv: string | undefined): Environment {
  if (nodeEnv === undefined || nodeEnv === '' || nodeEnv === 'development') return 'development';
  if (nodeEnv === 'production' || nodeEnv === 'test') return nodeEnv;
  throw new ConfigError(`NODE_ENV must be production, development or test (or unset), got "${nodeEnv}"`);
}
