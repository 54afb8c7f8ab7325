import type { Config } from './schema.ts';

/**
 * Secrets that ship in this repository, so anyone can read them: the demo
 * config, the example relying application, the README and the examples under
 * config/examples. A production config holding one of them (as a client
 * secret, the master secret, a directory's bind password, …) is refused.
 * `production.test.ts` checks that every secret in those files is caught here.
 */
const KNOWN_EXAMPLE_SECRETS: ReadonlyMap<string, string> = new Map([
  ['example-rp-secret-change-me-0123456789', "the example-rp client's secret in config/default.yaml and examples/rp"],
  ['change-me-to-32-or-more-random-characters', "the README's example client secret"],
  ['replace-with-the-client-secret-value', 'the placeholder in config/examples/entra-site.yaml'],
  ['change-me', 'the placeholder in config/examples/ldap-site.yaml'],
]);

/** Placeholders an operator was meant to replace: "change me", "replace with …", one character repeated. */
const PLACEHOLDER = [/change[-_ ]?me/i, /replace[-_ ]?(me|with|this)/i, /^(.)\1*$/s];

/** Config keys that hold credentials, wherever they sit (client_secret, clientSecret, bindPassword, authToken, secret, …). */
const SECRET_KEY = /(secret|password|token)$/i;

/** Why a credential value may not be used in production, or undefined when it may. */
export function exampleSecretProblem(value: string): string | undefined {
  const known = KNOWN_EXAMPLE_SECRETS.get(value);
  if (known) return `is ${known}, published in the repository: set a secret of your own`;
  if (PLACEHOLDER.some((pattern) => pattern.test(value))) return 'is a placeholder from an example: set a secret of your own';
  return undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What the loader knows beyond the parsed config. */
export interface ProductionFacts {
  /** server.issuer (or ADMIT_ISSUER) was given, not defaulted to http://localhost:<port>. */
  issuerSet: boolean;
}

/**
 * What a production run (NODE_ENV=production) refuses, each as
 * "<setting>: <why>": the demo user (the `demo` section), credentials published in
 * the repository, loopback requests, a missing master secret (a generated one
 * is for a development machine), and an issuer that is defaulted or plain
 * http on a host others reach. http stays allowed for a loopback issuer
 * (a production-mode run on one machine, as the benchmark's), which no
 * browser elsewhere can use anyway.
 * A site merely named DEMO is not refused: its id is a label (the
 * benchmark's production-mode run uses it); the demo's danger is its user,
 * its published secrets and its loopback requests.
 */
export function productionProblems(config: Config, facts: ProductionFacts): string[] {
  const problems: string[] = [];
  if (config.demo) problems.push('demo: the demo user is for trying admit out; remove the demo section');
  if (config.server.allowLoopbackRequests) {
    problems.push('server.allowLoopbackRequests: true lets back-channel logout and jwks_uri requests reach loopback hosts (development only); remove it');
  }
  if (config.secret === undefined) {
    problems.push(
      'secret: set the master secret (at least 32 random characters) with ADMIT_SECRET or ADMIT_SECRET_FILE; one generated beside the database is for development only',
    );
  }
  for (const [path, value] of credentials(config)) {
    const problem = exampleSecretProblem(value);
    if (problem) problems.push(`${path}: ${problem}`);
  }
  if (!facts.issuerSet) {
    problems.push('server.issuer: set the public https URL of admit (ADMIT_ISSUER), e.g. https://id.example.com');
  } else {
    const url = new URL(config.server.issuer);
    if (url.protocol !== 'https:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      problems.push(`server.issuer: use an https URL (got ${config.server.issuer}); terminate TLS at a proxy in front of admit (server.trustProxy)`);
    }
  }
  return problems;
}

/** Every string under a credential key, with its option path. */
function credentials(value: unknown, path: string[] = []): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((item, index) => credentials(item, [...path, String(index)]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]): Array<[string, string]> => {
    if (typeof item === 'string' && SECRET_KEY.test(key)) return [[[...path, key].join('.'), item]];
    return credentials(item, [...path, key]);
  });
}
