import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { LOGO_MAX_BYTES, productNameOf } from '../../src/config/branding.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { DIRECTORY_PLUGINS } from '../../src/connectors.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'admit-branding-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the config as admit does (a YAML file, loadConfig) with this site branding; the error, or the site's branding. */
function start(branding: unknown): { error?: string; branding?: Record<string, unknown> } {
  const path = join(dir, `admit-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, JSON.stringify({ sites: [{ id: 'ITRONMS', displayName: 'Itron MS', directory: { kind: 'local' }, branding }] }));
  try {
    const config = loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: path });
    return { branding: config.sites[0]!.branding as Record<string, unknown> };
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return { error: error.message };
  }
}

describe('per-site branding in the config (validated at start)', () => {
  it('takes every option; the logo is read at start with its type and an ETag; a short colour is written out', () => {
    const { branding, error } = start({
      productName: 'Itron MSP',
      logo: join(fixtures, 'logo.svg'),
      accentColor: '#0A6',
      support: { email: 'support@itron.example', phone: '+1 800 555 0100', url: 'https://support.itron.example/' },
      poweredBy: 'Powered by Itron',
      tabTitle: 'Itron Customer Center',
      email: { senderName: 'Itron MSP', footer: 'Itron, Inc. · Liberty Lake, WA' },
    });
    assert.equal(error, undefined);
    assert.equal(branding!.accentColor, '#00aa66');
    const logo = branding!.logo as { contentType: string; bytes: Buffer; etag: string };
    assert.equal(logo.contentType, 'image/svg+xml');
    assert.ok(logo.bytes.length > 100);
    assert.match(logo.etag, /^"[A-Za-z0-9_-]{22}"$/);
    assert.equal(productNameOf({ displayName: 'Itron MS', branding: branding as never }), 'Itron MSP');
    assert.equal(productNameOf({ displayName: 'Itron MS' }), 'Itron MS', 'without branding: the display name, as before');
  });

  it("no branding: the site has none (admit's look)", () => {
    assert.deepEqual(start(undefined), { branding: undefined });
  });

  const refusals: [string, unknown, RegExp][] = [
    ['a colour that is not hex', { accentColor: 'blue' }, /sites\.0\.branding\.accentColor: use a hex colour such as "#0b5cab" or "#06c"/],
    ['a colour with alpha', { accentColor: '#0b5cab80' }, /sites\.0\.branding\.accentColor: use a hex colour/],
    ['a CSS injection in the colour', { accentColor: '#fff;}body{display:none' }, /sites\.0\.branding\.accentColor/],
    ['a missing logo file', { logo: join(dir, 'nope.png') }, /sites\.0\.branding\.logo: cannot read the logo file .*nope\.png: ENOENT/],
    [
      'a logo of another type',
      { logo: join(fixtures, '..', 'branding-config.test.ts') },
      /sites\.0\.branding\.logo: .*a logo is a \.png, \.jpg \/ \.jpeg or \.svg file/,
    ],
    ['a text file named .png', { logo: 'TEXT_AS_PNG' }, /sites\.0\.branding\.logo: .* is not a PNG image \(its content does not match its extension\)/],
    ['an oversized logo', { logo: 'HUGE' }, new RegExp(`sites\\.0\\.branding\\.logo: .* is \\d+ KB; a logo may be at most ${LOGO_MAX_BYTES / 1024} KB`)],
    ['an SVG with a script', { logo: 'SCRIPTED_SVG' }, /sites\.0\.branding\.logo: .*an SVG logo may not contain scripts/],
    ['a directory as logo', { logo: dir }, /sites\.0\.branding\.logo: .*(not a file|a logo is a)/],
    ['an unknown option', { colour: '#fff' }, /sites\.0\.branding: Unrecognized key: "colour"/],
    ['a support block with nothing in it', { support: {} }, /sites\.0\.branding\.support: give at least one of email, phone or url/],
    ['a support address that is not one', { support: { email: 'nope' } }, /sites\.0\.branding\.support\.email/],
    ['a support page that is not http(s)', { support: { url: 'javascript:alert(1)' } }, /sites\.0\.branding\.support\.url/],
    ['markup in the product name', { productName: 'Itron <b>MSP</b>' }, /sites\.0\.branding\.productName: one line of text, without < or >/],
    ['a product name over 60 characters', { productName: 'x'.repeat(61) }, /sites\.0\.branding\.productName/],
  ];
  for (const [what, branding, message] of refusals) {
    it(`refuses ${what} with a clear error naming the option`, () => {
      const files: Record<string, () => string> = {
        TEXT_AS_PNG: () => {
          const path = join(dir, 'text.png');
          writeFileSync(path, 'not an image at all');
          return path;
        },
        HUGE: () => {
          const path = join(dir, 'huge.png');
          writeFileSync(path, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(LOGO_MAX_BYTES)]));
          return path;
        },
        SCRIPTED_SVG: () => {
          const path = join(dir, 'scripted.svg');
          writeFileSync(path, '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
          return path;
        },
      };
      const given = branding as { logo?: string };
      const resolved = given.logo && files[given.logo] ? { ...given, logo: files[given.logo]!() } : branding;
      const { error } = start(resolved);
      assert.ok(error, 'refused');
      assert.match(error, /^invalid configuration in /);
      assert.match(error, message);
    });
  }
});
