import type { Site, SiteDirectory } from '../../services/sites.ts';

const EMAIL = /^[^\s@]{1,64}@([^\s@]{1,255})$/;

/** The email's domain, lower case, when the text looks like an email. */
export function domainOf(text: string | undefined): string | undefined {
  const match = EMAIL.exec(text?.trim() ?? '');
  return match?.[1]?.toLowerCase();
}

/**
 * Home-realm discovery: the federated site whose configured domains include
 * the typed email's domain. A domain claimed by two sites picks neither (the
 * user chooses in "Log on to"): guessing could send someone to the wrong tenant.
 */
export function siteForEmail(sites: SiteDirectory, text: string | undefined): Site | undefined {
  const domain = domainOf(text);
  if (!domain) return undefined;
  const matches = sites.all().filter((site) => site.federated?.domains.includes(domain));
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * The site to send a "Sign in with Microsoft" to: the typed email's (it says
 * more than a "Log on to" left at its first entry), else the chosen site if
 * it is federated.
 */
export function federatedSiteFor(sites: SiteDirectory, input: { site?: string; username?: string }): Site | undefined {
  const byEmail = siteForEmail(sites, input.username);
  if (byEmail) return byEmail;
  const chosen = input.site ? sites.get(input.site) : undefined;
  return chosen?.federated ? chosen : undefined;
}

/**
 * For the password form's "Sign in": a federated site chosen in "Log on to"
 * always signs in at Microsoft (no password is checked for it), and an email
 * typed with no password goes to its domain's federated site. With a
 * password typed for a password site, this finds nothing and the password
 * sign-in goes on as before.
 */
export function federatedSiteForLogin(sites: SiteDirectory, body: { site?: unknown; username?: unknown; password?: unknown }): Site | undefined {
  const chosen = typeof body.site === 'string' ? sites.get(body.site) : undefined;
  if (chosen?.federated) return chosen;
  const noPassword = typeof body.password !== 'string' || body.password === '';
  return noPassword && typeof body.username === 'string' ? siteForEmail(sites, body.username) : undefined;
}
