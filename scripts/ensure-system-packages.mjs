// Installs the Debian packages the test suite drives for real: Redis, OpenLDAP
// (slapd + ldap-utils), Chromium, openssl, and Apache with mod_auth_openidc
// (a relying party nobody here wrote, test/rp/). Skips what is already there, so it costs
// nothing on a prepared machine. Needs root (as CI and the dev machines are).
// `ensurePackages` is exported for the benchmark's peers (bench/peers/install.ts,
// `npm run bench -- --peers`), which install more only when asked.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const wanted = [
  { binary: '/usr/bin/redis-server', packages: ['redis-server'] },
  { binary: '/usr/sbin/slapd', packages: ['slapd'] },
  { binary: '/usr/bin/ldapadd', packages: ['ldap-utils'] },
  { binary: '/usr/bin/chromium', packages: ['chromium'] },
  // Certificates for the OpenLDAP TLS tests (usually present already).
  { binary: '/usr/bin/openssl', packages: ['openssl'] },
  // Apache httpd with mod_auth_openidc: the tests start their own apache2 -X on a free port.
  { binary: '/usr/sbin/apache2', packages: ['apache2'] },
  { binary: '/usr/lib/apache2/modules/mod_auth_openidc.so', packages: ['libapache2-mod-auth-openidc'] },
];

/**
 * Installs, non-interactively and without recommended packages, the packages
 * of every entry whose file is missing. `purpose` says why, in the one line
 * printed when something is installed.
 * @param {{ binary: string, packages: string[] }[]} entries
 * @param {string} purpose
 * @returns {string[]} the packages installed (none when everything was there)
 */
export function ensurePackages(entries, purpose) {
  const missing = entries.filter((w) => !existsSync(w.binary)).flatMap((w) => w.packages);
  if (missing.length > 0) {
    console.log(`admit: installing system packages for ${purpose}: ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execSync('apt-get update -qq', { stdio: 'inherit', env });
    execSync(`apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`, { stdio: 'inherit', env });
  }
  return missing;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensurePackages(wanted, 'the tests');
