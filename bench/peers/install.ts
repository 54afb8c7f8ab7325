/**
 * The peers' Debian packages, installed only for `npm run bench -- --peers`
 * through the same installer `npm test` uses for slapd
 * (scripts/ensure-system-packages.mjs): non-interactive apt-get, skipped when
 * the files are already there. Installing starts no service (Debian's
 * invoke-rc.d policy); the bench starts its own processes on loopback.
 */
// @ts-expect-error: a plain .mjs script without type declarations
import { ensurePackages } from '../../scripts/ensure-system-packages.mjs';

export const PEER_PACKAGES = [
  // LemonLDAP::NG 2.16: portal (Perl), its FastCGI server, nginx in front.
  { binary: '/usr/sbin/llng-fastcgi-server', packages: ['lemonldap-ng-fastcgi-server'] },
  { binary: '/usr/share/perl5/Lemonldap/NG/Portal/Main.pm', packages: ['liblemonldap-ng-portal-perl'] },
  { binary: '/usr/share/perl5/Lemonldap/NG/Handler.pm', packages: ['lemonldap-ng-handler'] },
  { binary: '/usr/sbin/nginx', packages: ['nginx'] },
  // What the portal recommends and this set-up uses (installed without recommends, so named): LDAP authentication,
  // the JWKS modulus, and the XS cookie and HTTP parsers a default install would have.
  { binary: '/usr/share/perl5/Net/LDAP.pm', packages: ['libnet-ldap-perl'] },
  { binary: '/usr/lib/x86_64-linux-gnu/perl5/5.36/Crypt/OpenSSL/Bignum.pm', packages: ['libcrypt-openssl-bignum-perl'] },
  { binary: '/usr/lib/x86_64-linux-gnu/perl5/5.36/Cookie/Baker/XS.pm', packages: ['libcookie-baker-xs-perl'] },
  { binary: '/usr/lib/x86_64-linux-gnu/perl5/5.36/HTTP/Parser/XS.pm', packages: ['libhttp-parser-xs-perl'] },
  { binary: '/usr/share/perl5/String/Random.pm', packages: ['libstring-random-perl'] },
  { binary: '/usr/share/perl5/IO/Socket/Timeout.pm', packages: ['libio-socket-timeout-perl'] },
  { binary: '/usr/share/perl5/Convert/Base32.pm', packages: ['libconvert-base32-perl'] },
  // Needed to start at all (found by starting it): the LDAP library's Unicode::String, and the portal's
  // captcha module, which it always loads (GD::SecurityImage with use_magick).
  { binary: '/usr/lib/x86_64-linux-gnu/perl5/5.36/Unicode/String.pm', packages: ['libunicode-string-perl'] },
  { binary: '/usr/share/perl5/IO/String.pm', packages: ['libio-string-perl'] },
  { binary: '/usr/share/perl5/MIME/Entity.pm', packages: ['libmime-tools-perl'] },
  { binary: '/usr/share/perl5/GD/SecurityImage.pm', packages: ['libgd-securityimage-perl'] },
  { binary: '/usr/lib/x86_64-linux-gnu/perl5/5.36/GD.pm', packages: ['libgd-perl'] },
  { binary: '/usr/share/perl5/Image/Magick.pm', packages: ['libimage-magick-perl'] },
  // Glewlwyd 2.7.5 with its SQLite backend.
  { binary: '/usr/bin/glewlwyd', packages: ['glewlwyd'] },
  { binary: '/usr/bin/sqlite3', packages: ['sqlite3'] },
];

export function installPeers(): string[] {
  return (ensurePackages as (entries: typeof PEER_PACKAGES, purpose: string) => string[])(PEER_PACKAGES, 'the benchmark peers (--peers)');
}
