import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createFindAccount } from '../../src/oidc/find-account.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { type MfaWorld, PASSWORD, startMfaWorld } from '../mfa/mfa-world.ts';
import { atBothWidths, launchChromium } from '../support/chromium.ts';

/**
 * The sign-in in the person's language (issue 18), in Chromium: with
 * `ui_locales=fr` the whole first sign-in of a new user (sign-in page, the
 * enrollment wizard, Change Password) and the text and emails sent on the
 * way are in French, and French is kept on the account; the browser's
 * Accept-Language gives German, the region selector's cookie Spanish, and
 * the application's ui_locales wins over both. Each language's sign-in page
 * and a wizard step are looked at at 1280 and 390 px.
 */
describe('languages in Chromium', () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;

  beforeAll(async () => {
    // FRS: a local site with MFA and a new password at the first sign-in, so one sign-in meets every page.
    world = await startMfaWorld({
      sites: [{ id: 'FRS', displayName: 'Partenaires', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: true }, mfa: { required: true } }],
    });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { name, level: 1 }).waitFor();
  const lang = (page: Page) => page.locator('html').getAttribute('lang');
  // Words that would give away an English page (names such as "Customer & Partner Center" have none of them).
  const ENGLISH = /\b(the|your|you|and|with|Continue|Back|Cancel|Sign in|Verify|Step)\b/;
  async function noEnglish(page: Page, where: string) {
    const text = (await page.locator('body').innerText()).replace(/Customer & Partner Center/g, '');
    assert.doesNotMatch(text, ENGLISH, `${where}: English left on the page`);
  }
  // The code in a French text (the shared helper reads the English one).
  const sixDigits = (message: string) => /\b(\d{6})\b/.exec(message)![1]!;
  async function addUser(username: string, siteId: string) {
    await createLocalDirectory({ store: world.running.admit.store, siteId }).addUser({
      username,
      password: PASSWORD,
      email: `${username}@example.test`,
      name: 'Zoé',
    });
  }

  it('ui_locales=fr: the sign-in page, the wizard, Change Password, the text message and the emails are in French', async () => {
    await addUser('zoe', 'FRS');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(await world.authorizeUrl('rp', { ui_locales: 'fr-CA en' }));

    await heading(page, 'Connexion');
    assert.equal(await lang(page), 'fr');
    assert.equal(await page.locator('html').getAttribute('dir'), 'ltr');
    await noEnglish(page, 'sign-in');
    await atBothWidths(page, 'i18n-fr-signin');
    await page.getByLabel("Nom d'utilisateur").fill('zoe');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByLabel('Se connecter à').selectOption('FRS');
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();

    await heading(page, 'Protégez votre compte Partenaires');
    assert.match(await page.locator('.wizard-count').innerText(), /^Étape 1 sur \d : Début$/);
    await noEnglish(page, 'start');
    await page.getByRole('button', { name: 'Commencer la configuration' }).click();

    await heading(page, "Quel type d'appareil ajoutez-vous ?");
    await noEnglish(page, 'device');
    await atBothWidths(page, 'i18n-fr-wizard-device');
    await page.getByLabel('Téléphone mobile').check();
    await page.getByRole('button', { name: 'Continuer' }).click();

    await heading(page, 'Saisissez votre numéro de téléphone');
    assert.equal(await page.getByLabel('Pays').locator('option:checked').innerText(), 'États-Unis', 'country names through Intl in French');
    await page.getByLabel('Numéro de téléphone').fill('555');
    await page.getByRole('button', { name: 'Continuer' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Saisissez un numéro de téléphone valide/);
    await page.getByLabel('Numéro de téléphone').fill('201-234-5670');
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.getByLabel('Oui, ce numéro est correct').check();
    await page.getByRole('button', { name: 'Continuer' }).click();

    await heading(page, 'Vérifier la propriété du (201) 234-5670');
    await noEnglish(page, 'verify');
    await page.getByRole('button', { name: "M'envoyer un SMS" }).click();
    await page.getByText('Nous avons envoyé un SMS contenant votre code au (201) 234-5670.').waitFor();
    const enrollmentText = world.sms.last('+12012345670')!.text;
    assert.match(
      enrollmentText,
      /^Votre code de vérification Customer & Partner Center est \d{6}\. Il expire dans \d+ minutes\. Ne le communiquez à personne\.$/,
    );
    await page.getByLabel('Saisissez votre code à 6 chiffres').fill(sixDigits(world.sms.last('+12012345670')!.text));
    await page.getByRole('button', { name: 'Vérifier' }).click();

    await heading(page, 'Quel type de téléphone est le (201) 234-5670 ?');
    await page.getByLabel('Autre (et téléphones portables classiques)').check();
    await page.getByRole('button', { name: 'Continuer' }).click();

    await heading(page, 'Enregistrer des codes de récupération');
    await noEnglish(page, 'recovery');
    await page.getByRole('button', { name: 'Ignorer' }).click();

    await heading(page, 'Mes paramètres et appareils');
    assert.match(await page.getByRole('list', { name: 'Vos appareils' }).innerText(), /Téléphone mobile \(201\) 234-5670/, 'the default name in French');
    await noEnglish(page, 'settings');
    await page.getByRole('button', { name: 'Continuer vers la connexion' }).click();

    await heading(page, "Choisissez une méthode d'authentification");
    assert.match(await page.getByRole('status').innerText(), /Inscription réussie !/);
    await noEnglish(page, 'choose');
    await page.getByRole('button', { name: "M'envoyer un SMS" }).click();
    await heading(page, 'Saisissez votre code à 6 chiffres');
    await page.getByLabel('Saisissez votre code à 6 chiffres').fill(sixDigits(world.sms.last('+12012345670')!.text));
    await page.getByRole('button', { name: 'Vérifier' }).click();

    await heading(page, 'Changer le mot de passe');
    await noEnglish(page, 'change password');
    assert.match(await page.locator('#password-rules').innerText(), /La longueur minimale doit être d'au moins « 8 »/);
    await atBothWidths(page, 'i18n-fr-password');
    await page.getByLabel('Ancien mot de passe').fill(PASSWORD);
    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('court');
    await page.getByLabel('Confirmer le nouveau mot de passe').fill('court');
    await page.getByRole('button', { name: 'Changer le mot de passe' }).click();
    assert.match(await page.getByRole('alert').innerText(), /ne respecte pas les règles signalées ci-dessous/);
    await page.getByLabel('Ancien mot de passe').fill(PASSWORD);
    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('Bonjour#Zoe2026');
    await page.getByLabel('Confirmer le nouveau mot de passe').fill('Bonjour#Zoe2026');
    await page.getByRole('button', { name: 'Changer le mot de passe' }).click();
    await page.getByText('code received').waitFor();

    const added = await world.smtp.waitFor((mail) => mail.to.includes('zoe@example.test') && mail.subject === 'Un appareil a été ajouté à votre compte');
    assert.match(added.text, /^Bonjour Zoé,/);
    assert.match(
      added.text,
      /L'appareil « Téléphone mobile \(201\) 234-5670 » a été ajouté pour la vérification en deux étapes à votre compte zoe sur Partenaires le \d{1,2} \p{L}+ \d{4}/u,
    );
    assert.match(added.html, /a été ajouté pour la vérification en deux étapes/);
    const changed = await world.smtp.waitFor((mail) => mail.to.includes('zoe@example.test') && mail.subject === 'Votre mot de passe a été changé');
    assert.match(changed.text, /Le mot de passe de votre compte zoe sur le site FRS a été changé le /);
    assert.doesNotMatch(`${added.text}\n${changed.text}`.replace(/Customer & Partner Center/g, ''), ENGLISH, 'no English in the emails');

    const account = await createAccountService({ store: world.running.admit.store }).find(await world.accountIdOf('zoe', 'FRS'));
    assert.equal(account?.locale, 'fr', 'French kept as the preference (the locale claim)');
    const discovery = (await (await fetch(`${world.running.issuer}/.well-known/openid-configuration`)).json()) as { claims_supported: string[] };
    assert.ok(discovery.claims_supported.includes('locale'), 'the locale claim is announced');
    const store = world.running.admit.store;
    const found = await createFindAccount(createAccountService({ store }), store)({} as never, account!.id);
    const claims = (await found!.claims('userinfo', 'openid profile', {}, [])) as Record<string, unknown>;
    assert.equal(claims.locale, 'fr', 'released as the OIDC locale claim');
    await context.close();
  });

  async function signInPageIn(
    context: BrowserContext,
    name: string,
    expected: { lang: string; heading: string; signIn: string },
    extra?: Record<string, string>,
  ) {
    const page = await context.newPage();
    await page.goto(await world.authorizeUrl('rp', extra));
    await heading(page, expected.heading);
    assert.equal(await lang(page), expected.lang);
    await noEnglish(page, `${expected.lang} sign-in`);
    await atBothWidths(page, `i18n-${name}-signin`);
    return page;
  }

  it('Accept-Language: de gives German; the region cookie gives Spanish; ui_locales wins over both', async () => {
    await world.addUser('dora');
    const german = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      extraHTTPHeaders: { 'accept-language': 'en;q=0.1, de-CH;q=0.9, *;q=0.5' },
    });
    const page = await signInPageIn(german, 'de', { lang: 'de', heading: 'Anmelden', signIn: 'Anmelden' });
    await page.getByLabel('Benutzername').fill('dora');
    await page.getByLabel('Kennwort').fill(PASSWORD);
    await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
    await heading(page, 'Schützen Sie Ihr Customer & Partner Center-Konto');
    await page.getByRole('button', { name: 'Einrichtung starten' }).click();
    await heading(page, 'Welchen Gerätetyp fügen Sie hinzu?');
    await noEnglish(page, 'de device');
    // Long German words ("Sicherheitsschlüssel", "Festnetztelefon") must fit at 390 px: atBothWidths fails on any overflow.
    await atBothWidths(page, 'i18n-de-wizard-device');
    await german.close();

    await world.addUser('eva');
    const spanish = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { 'accept-language': 'de' } });
    await spanish.addCookies([{ name: 'admit.locale', value: 'es-MX', url: world.running.issuer }]);
    const es = await signInPageIn(spanish, 'es', { lang: 'es', heading: 'Iniciar sesión', signIn: 'Iniciar sesión' });
    await es.getByLabel('Nombre de usuario').fill('eva');
    await es.getByLabel('Contraseña').fill(PASSWORD);
    await es.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
    await heading(es, 'Proteja su cuenta de Customer & Partner Center');
    await es.getByRole('button', { name: 'Iniciar la configuración' }).click();
    await heading(es, '¿Qué tipo de dispositivo va a añadir?');
    await noEnglish(es, 'es device');
    await atBothWidths(es, 'i18n-es-wizard-device');

    // The application's ui_locales first, even with the cookie and the header saying otherwise; a language admit does not ship is passed over.
    const asked = await spanish.newPage();
    await asked.goto(await world.authorizeUrl('rp', { ui_locales: 'ja fr' }));
    await heading(asked, 'Connexion');
    assert.equal(await lang(asked), 'fr');
    await spanish.close();
  });
});
