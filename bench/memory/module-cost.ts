/**
 * What each big dependency costs in memory when imported alone into a bare
 * Node process: a fresh `node --expose-gc` per module and round, RSS and heap
 * after two forced GCs before and after the import, median of `rounds`.
 * `--after=a,b` imports those first (e.g. what a bare oidc-provider server
 * already holds), so the figure is what the module adds on top of them.
 * Not part of `npm run bench`; run on its own to see what idle RSS is made of:
 *   node bench/memory/module-cost.ts [--after=oidc-provider,koa] [rounds] [module …]
 */
import { execFileSync } from 'node:child_process';
import { benchPath } from '../harness/child-process.ts';

const DEFAULT_MODULES = [
  'oidc-provider',
  '@simplewebauthn/server',
  'libphonenumber-js/max',
  'libphonenumber-js/mobile/examples',
  'libphonenumber-js/min',
  'qrcode',
  'pino',
  'prom-client',
  'ejs',
  'nodemailer',
  'koa',
  'ioredis',
  'zod',
  'i18next',
  'ldapts',
  '@azure/msal-node',
  '@node-rs/argon2',
];

const argv = process.argv.slice(2);
const after = argv.find((arg) => arg.startsWith('--after='))?.slice('--after='.length) ?? '';
const [roundsArg, ...named] = argv.filter((arg) => !arg.startsWith('--after='));
const rounds = Number(roundsArg ?? 3);
const modules = named.length > 0 ? named : DEFAULT_MODULES;

const PROBE = `
for (const first of process.argv[2] ? process.argv[2].split(',') : []) await import(first);
const mem = () => { globalThis.gc(); globalThis.gc(); const m = process.memoryUsage(); return { rss: m.rss, heap: m.heapUsed, external: m.external }; };
const before = mem();
await import(process.argv[1]);
await new Promise((r) => setTimeout(r, 50));
const after = mem();
process.stdout.write(JSON.stringify({ rss: after.rss - before.rss, heap: after.heap - before.heap, external: after.external - before.external }));
`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
const rows = modules.map((name) => {
  const samples = Array.from(
    { length: rounds },
    () =>
      JSON.parse(
        execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', PROBE, name, after], { cwd: benchPath('..'), encoding: 'utf8' }),
      ) as { rss: number; heap: number; external: number },
  );
  return { module: name, rssMiB: mib(median(samples.map((s) => s.rss))), heapMiB: mib(median(samples.map((s) => s.heap))) };
});
rows.sort((a, b) => b.rssMiB - a.rssMiB);
for (const row of rows) console.log(`${row.module.padEnd(36)} RSS +${String(row.rssMiB).padStart(5)} MiB   heap +${String(row.heapMiB).padStart(5)} MiB`);
