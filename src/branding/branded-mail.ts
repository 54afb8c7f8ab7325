import type { SiteConfig } from '../config/sites.ts';
import type { OutgoingMail } from '../services/mail/mailer.ts';

/** The address part of `mail.from` ("admit <no-reply@example.com>" or a bare address). */
function addressOf(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1]?.trim() ?? from.trim();
}

/**
 * A site's emails as its branding says (branding.email and productName):
 * the sender's display name (the address stays mail.from's, so SPF and DKIM
 * still hold), the product named in the footer, and the site's own footer
 * line. Applied when the outbox delivers, so a retry or a resend from the
 * console is branded as the site is then; a site without branding, or a
 * message of no site, goes out as before.
 */
export function emailBranding(sites: readonly Pick<SiteConfig, 'id' | 'branding'>[], from: string) {
  const address = addressOf(from);
  const bySite = new Map(sites.filter((site) => site.branding).map((site) => [site.id, site.branding!]));
  return (mail: OutgoingMail, siteId: string | undefined): OutgoingMail => {
    const branding = siteId === undefined ? undefined : bySite.get(siteId);
    if (!branding) return mail;
    const senderName = branding.email?.senderName ?? branding.productName;
    const brand = { name: branding.productName, footer: branding.email?.footer };
    return { ...mail, ...(senderName ? { from: { name: senderName, address } } : {}), data: { ...mail.data, brand } };
  };
}
