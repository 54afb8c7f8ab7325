/** Thrown for any configuration problem; the message names the option path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
