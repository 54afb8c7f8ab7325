import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

/** An Entra site, an LDAP site (never contacted: the help page reads only what the directory can do) and a local one. */
export const HELP_SITES = [
  {
    id: 'CORP',
    displayName: 'Corp partners',
    directory: { kind: 'entra', tenant: '6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', clientId: 'admit', clientSecret: 'corp-secret' },
    signUp: { mode: 'approval' },
  },
  {
    id: 'ACME',
    displayName: 'ACME (OpenLDAP)',
    directory: { kind: 'ldap', urls: ['ldap://127.0.0.1:9'], bindDn: 'cn=admit,dc=acme', bindPassword: 'x', userBase: 'ou=people,dc=acme' },
  },
  { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signUp: { mode: 'invitation' } },
];

export async function startHelpWorld(config: Record<string, unknown> = {}) {
  const smtp: TestSmtpServer = await startSmtpServer();
  const running: RunningAdmit = await startAdmit({
    config: { sites: HELP_SITES, mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' }, ...config },
  });
  return {
    running,
    smtp,
    /** A site admin (only their email matters: the resend request goes to it). */
    async admin(username: string, adminSites: string[]) {
      const accounts = createAccountService({ store: running.admit.store });
      const account = await accounts.linkOrCreate('DEMO', 'local', {
        externalId: `ext-${username}`,
        username,
        email: `${username}@admins.test`,
        groups: [],
      });
      await accounts.save({ ...account, adminSites });
      return `${username}@admins.test`;
    },
    /** A browser that has read a page's form (its CSRF cookie and token). */
    async browserAt(path: string): Promise<{ browser: FormBrowser; csrf: string; html: string }> {
      const browser = new FormBrowser();
      const response = await browser.request(`${running.issuer}${path}`);
      const html = await response.text();
      return { browser, csrf: inputValue(html, '_csrf'), html };
    },
    async stop() {
      await running.stop();
      await smtp.stop();
    },
  };
}

export type HelpWorld = Awaited<ReturnType<typeof startHelpWorld>>;

/** A page's text as a person reads it: tags dropped, entities decoded, spaces collapsed. */
export function pageText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
