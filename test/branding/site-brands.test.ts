import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { accentStylesheet, contrast } from '../../src/branding/accent-stylesheet.ts';
import { createSiteBrands } from '../../src/branding/site-brands.ts';
import { readLogoFile } from '../../src/config/branding.ts';
import { sameOriginPath } from '../../src/region/return-path.ts';

const logo = readLogoFile(join(import.meta.dirname, 'fixtures', 'logo.png'));
if (typeof logo === 'string') throw new Error(logo);
const itron = { productName: 'Itron MSP', logo, accentColor: '#00a160' };

describe('which brand a page carries', () => {
  const brands = createSiteBrands([
    { id: 'ITRONMS', displayName: 'Itron MS', branding: itron },
    { id: 'ROSENPAMI', displayName: 'Rosen', branding: { ...itron } },
    { id: 'OTHER', displayName: 'Other', branding: { productName: 'Other Co' } },
    { id: 'PLAIN', displayName: 'Plain' },
  ]);

  it("a site's own brand; none for a site without branding or an unknown one", () => {
    assert.equal(brands.of('ITRONMS')?.name, 'Itron MSP');
    assert.match(brands.of('ITRONMS')?.logoUrl ?? '', /^\/brand\/ITRONMS\/logo\?v=/);
    assert.equal(brands.of('ITRONMS')?.stylesheetUrl, '/brand/ITRONMS.css');
    assert.equal(brands.of('OTHER')?.logoUrl, undefined);
    assert.equal(brands.of('PLAIN'), undefined);
    assert.equal(brands.of('NOPE'), undefined);
    assert.equal(brands.of(undefined), undefined);
  });

  it('a sign-in page listing sites that look alike carries their look; mixed looks or an unbranded site, none', () => {
    assert.equal(brands.commonSite(['ITRONMS', 'ROSENPAMI']), 'ITRONMS');
    assert.equal(brands.commonSite(['ITRONMS', 'OTHER']), undefined);
    assert.equal(brands.commonSite(['ITRONMS', 'PLAIN']), undefined);
    assert.equal(brands.commonSite([]), undefined);
    assert.equal(brands.onlySite(), undefined);
    assert.equal(createSiteBrands([{ id: 'ONE', displayName: 'One' }]).onlySite(), 'ONE');
  });
});

describe('the accent stylesheet', () => {
  it('keeps a dark colour, darkens a light one until white text reads (4.5:1)', () => {
    assert.match(accentStylesheet('#0b5cab'), /--brand: #0b5cab;/);
    const light = /--brand: (#[0-9a-f]{6});/.exec(accentStylesheet('#ffee00'))![1]!;
    assert.ok(contrast(light, '#ffffff') >= 4.5, light);
    assert.equal(contrast('#000000', '#ffffff').toFixed(0), '21');
  });
});

describe('a return path', () => {
  it('is a path of admit, path and query kept, fragment dropped', () => {
    assert.equal(sameOriginPath('/interaction/abc?x=1#top'), '/interaction/abc?x=1');
    assert.equal(sameOriginPath('/help/../help?site=A'), '/help?site=A');
    for (const bad of ['https://evil.example/', '//evil.example', '/\\evil', 'help', '', '/a\nb', '/a\u0000', 42, undefined, `/${'a'.repeat(600)}`])
      assert.equal(sameOriginPath(bad), undefined, String(bad));
  });
});
