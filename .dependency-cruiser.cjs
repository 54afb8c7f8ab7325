// The layering admit keeps (README, "Architecture"). Top to bottom:
//   entry       bin/, src/*.ts (composition root), src/cli/
//   areas       src/flows, src/portal, src/admin, src/registration  (never each other)
//   oidc        src/oidc
//   http        src/http
//   services    src/services
//   config      src/config
//   foundation  src/kit (contracts), src/lib (low-level pieces), src/errors, src/store, src/i18n (languages)
// A module imports its own layer or lower ones. Plugins implement kit contracts
// and import only the foundation; only the composition root picks them.
const areas = ['flows', 'portal', 'admin', 'registration'];
const foundation = '^src/(kit|lib|errors|store|i18n)/';
const below = {
  areas: `^src/(oidc|http|services|config|kit|lib|errors|store|i18n)/`,
  oidc: `^src/(http|services|config|kit|lib|errors|store|i18n)/`,
  http: `^src/(services|config|kit|lib|errors|store|i18n)/`,
  services: `^src/(config|kit|lib|errors|store|i18n)/`,
  config: foundation,
};

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Import cycles hide which module owns a behaviour.',
      from: {},
      to: { circular: true },
    },
    ...areas.map((area) => ({
      name: `area-${area}-imports-down`,
      severity: 'error',
      comment: 'An http area imports oidc, http, services and the foundation; never another area, the composition root or a plugin.',
      from: { path: `^src/${area}/` },
      to: { path: '^(src|plugins|bin)/', pathNot: [below.areas, `^src/${area}/`] },
    })),
    {
      name: 'oidc-imports-down',
      severity: 'error',
      from: { path: '^src/oidc/' },
      to: { path: '^(src|plugins|bin)/', pathNot: [below.oidc, '^src/oidc/'] },
    },
    {
      name: 'http-imports-down',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^(src|plugins|bin)/', pathNot: [below.http, '^src/http/'] },
    },
    {
      name: 'services-import-down',
      severity: 'error',
      comment: 'Services know kit contracts, never a concrete plugin or the http layer.',
      from: { path: '^src/services/' },
      to: { path: '^(src|plugins|bin)/', pathNot: [below.services, '^src/services/'] },
    },
    {
      name: 'config-imports-foundation',
      severity: 'error',
      comment: 'Configuration is read first; it knows the foundation only (plugins hand their settings schemas to it through the registry).',
      from: { path: '^src/config/' },
      to: { path: '^(src|plugins|bin)/', pathNot: [below.config, '^src/config/'] },
    },
    {
      name: 'foundation-stays-at-the-bottom',
      severity: 'error',
      from: { path: foundation },
      to: { path: '^(src|plugins|bin)/', pathNot: [foundation] },
    },
    {
      name: 'plugins-implement-kit-contracts',
      severity: 'error',
      comment: 'A plugin imports the foundation and its own folder only.',
      from: { path: '^plugins/([^/]+)/' },
      to: { path: '^(src|plugins|bin)/', pathNot: [foundation, '^plugins/$1/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$|/testing/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
