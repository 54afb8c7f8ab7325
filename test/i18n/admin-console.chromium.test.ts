import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { consoleSignInPage, makeAdmin, type TestAdmin } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { atBothWidths, heading, launchChromium } from '../support/chromium.ts';

const sites = [{ id: 'NORTH', displayName: 'North site', directory: { kind: 'local' }, signUp: { mode: 'approval' } }];

/**
 * The admin console in the browser's language (issue 18): the same
 * negotiation as every page (the admit.locale cookie, then Accept-Language),
 * no setting of its own. The admin signs in in English, then the browser
 * asks for French: the dashboard, the approval queue and the users page are
 * read by their French labels, then German from the region selector's
 * cookie; each fits 1280 and 390 px (the long French and German words of
 * the stacked tables and the navigation included).
 */
describe('the admin console in French, by Accept-Language', () => {
  let running: RunningAdmit;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let admin: TestAdmin;

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    await running.admit.approval.requests.submit({
      siteId: 'NORTH',
      accountId: 'account-amelie',
      username: 'amelie',
      name: 'Amélie Durand',
      email: 'amelie@north.test',
      organisation: 'Compteurs Durand SARL',
      reason: 'Je relève chaque semaine les données des compteurs de nos trois usines',
    });
    admin = await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH'] });
    await createAccountService({ store: running.admit.store }).linkOrCreate('NORTH', 'local', {
      externalId: 'bastien',
      username: 'bastien',
      email: 'bastien@north.test',
      name: 'Bastien Leroy',
      groups: [],
    });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
  });

  it('the dashboard, the approval queue and the users page speak French, and fit at 1280 and 390 px', async () => {
    const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await consoleSignInPage(running, page, admin, '/admin');
    await heading(page, 'Dashboard');
    await context.setExtraHTTPHeaders({ 'accept-language': 'fr-FR, fr;q=0.9, en;q=0.5' });

    await page.goto(`${running.issuer}/admin`);
    await heading(page, 'Tableau de bord');
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    const nav = page.getByRole('navigation', { name: "Console d'administration" });
    await nav.getByRole('link', { name: "File d'approbation" }).waitFor();
    await nav.getByRole('button', { name: 'Se déconnecter' }).waitFor();
    await page.getByRole('heading', { name: 'Demandes en attente' }).waitFor();
    await page.getByRole('heading', { name: 'Comptes verrouillés' }).waitFor();
    await page.getByRole('heading', { name: 'Échecs de distribution' }).waitFor();
    await page.getByRole('link', { name: "Ouvrir la file d'approbation" }).waitFor();
    await page.getByRole('img', { name: /^Connexions et échecs par jour, du \d+ \S+ au \d+ \S+/ }).waitFor();
    await page.getByRole('columnheader', { name: 'Deux étapes activées' }).waitFor();
    await atBothWidths(page, 'i18n-admin-fr-dashboard');

    await nav.getByRole('link', { name: "File d'approbation" }).click();
    await heading(page, "File d'approbation");
    await page.getByText('1 en attente').waitFor();
    await page.getByRole('link', { name: 'Tout sélectionner sur cette page' }).waitFor();
    await page.getByRole('button', { name: 'Approuver Amélie Durand' }).waitFor();
    await page.getByRole('textbox', { name: 'Motif du refus' }).waitFor();
    await page.getByRole('button', { name: 'Refuser la sélection' }).waitFor();
    await atBothWidths(page, 'i18n-admin-fr-approvals');

    // A French notice after a decision: the notice code is in the URL, its words in admin.json.
    await page.getByRole('button', { name: 'Approuver Amélie Durand' }).click();
    await page.getByRole('status').filter({ hasText: 'La demande a été approuvée et la personne a été prévenue par e-mail.' }).waitFor();

    await nav.getByRole('link', { name: 'Utilisateurs' }).click();
    await heading(page, 'Utilisateurs');
    await page.getByRole('textbox', { name: 'Rechercher' }).waitFor();
    await page.getByRole('combobox', { name: 'Statut' }).waitFor();
    await page.getByRole('link', { name: "Nom d'utilisateur, trier de Z à A" }).waitFor();
    await page.getByRole('columnheader', { name: 'Dernière connexion' }).waitFor();
    await page.getByText(/^Comptes par nom d'utilisateur, \d+ sur cette page\.$/).waitFor();
    await atBothWidths(page, 'i18n-admin-fr-users');

    // The same page in German through the region selector's cookie, which counts before Accept-Language.
    await context.addCookies([{ name: 'admit.locale', value: 'de', url: running.issuer }]);
    await page.reload();
    await heading(page, 'Benutzer');
    await page.getByRole('columnheader', { name: 'Letzte Anmeldung' }).waitFor();
    await atBothWidths(page, 'i18n-admin-de-users');
    // German's long compounds (Freigabewarteschlange, Zwei Schritte eingerichtet) fit too.
    await page.goto(`${running.issuer}/admin`);
    await heading(page, 'Übersicht');
    await page.getByRole('columnheader', { name: 'Zwei Schritte eingerichtet' }).waitFor();
    await atBothWidths(page, 'i18n-admin-de-dashboard');
    await page.goto(`${running.issuer}/admin/approvals?show=decided`);
    await heading(page, 'Freigabewarteschlange');
    await page.getByText('Genehmigt', { exact: true }).waitFor();
    await atBothWidths(page, 'i18n-admin-de-approvals');
    await context.close();
  });
});
